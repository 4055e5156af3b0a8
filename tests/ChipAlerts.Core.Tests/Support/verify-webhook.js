// Verifies one webhook request with the reference Standard Webhooks library (npm "standardwebhooks").
// Input on stdin: {"secret": "whsec_…", "headers": {…}, "body": "…"}. Exit 0 and prints "verified", or exit 1 with the reason.
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", chunk => (input += chunk));
process.stdin.on("end", () => {
  const { secret, headers, body } = JSON.parse(input);
  try {
    const payload = new Webhook(secret).verify(body, headers);
    process.stdout.write("verified " + JSON.stringify(payload).length + "\n");
  } catch (e) {
    process.stdout.write("rejected: " + e.message + "\n");
    process.exit(1);
  }
});
