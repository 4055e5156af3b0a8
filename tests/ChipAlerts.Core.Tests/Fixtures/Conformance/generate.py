#!/usr/bin/env python3
"""Writes the conformance corpus: one small feed per behaviour, and beside each, what a reader shows.

Run from this folder (python3 generate.py); it rewrites every fixture, so the corpus is reproducible.
Each fixture NAME.xml (or .json) has NAME.expected.json beside it:

  {"about": "the behaviour",
   "title": ..., "link": ..., "summary": ..., "published": ISO 8601 or null,   # the first item
   "contentType": "application/rss+xml; charset=koi8-r",                       # how it is served (optional)
   "redirectFrom": "/old/path"}                                                 # requested there, 302 to it (optional)

The expectations are written from the format's specification and what browsers and feed readers show,
never from running ChipAlerts. "{server}" in a link is the test server's origin, "{feed}" the fixture's
own url. The texts are written for this corpus (chip-industry headlines in the languages whose legacy
encodings they exercise).
"""
import base64
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

TITLE = "Rapidus starts 2nm pilot line in Hokkaido"
LINK = "https://news.example.com/2025/07/rapidus-2nm"
SUMMARY = "The chipmaker began test production with IBM's help."
RFC822 = "Fri, 18 Jul 2025 03:00:00 GMT"
ISO = "2025-07-18T03:00:00Z"
INSTANT = "2025-07-18T03:00:00+00:00"

DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'
ITUNES = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1 = "http://purl.org/rss/1.0/"

count = 0


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write(category, name, body, about, title=TITLE, link=LINK, summary=SUMMARY, published=INSTANT,
          content_type=None, ext="xml", redirect_from=None):
    global count
    folder = os.path.join(HERE, category)
    os.makedirs(folder, exist_ok=True)
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    with open(os.path.join(folder, f"{name}.{ext}"), "wb") as f:
        f.write(data)
    expected = {"about": about, "title": title, "link": link, "summary": summary, "published": published}
    if content_type:
        expected["contentType"] = content_type
    if redirect_from:
        expected["redirectFrom"] = redirect_from
    with open(os.path.join(folder, f"{name}.expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")
    count += 1


def rss(item, channel_extra="", ns="", version="2.0", decl='<?xml version="1.0" encoding="utf-8"?>\n'):
    return (f'{decl}<rss version="{version}" {ns}><channel><title>Chip Wire</title><link>https://news.example.com/</link>'
            f'<description>Chip news</description>{channel_extra}<item>{item}</item>'
            f'<item><title>Second item</title><link>https://news.example.com/2</link></item></channel></rss>\n')


def rss_item(title=TITLE, link=LINK, summary=SUMMARY, date=RFC822, extra=""):
    parts = []
    if title is not None:
        parts.append(f"<title>{title}</title>")
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if summary is not None:
        parts.append(f"<description>{summary}</description>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "".join(parts) + extra


def atom(entry, feed_extra="", ns="", attrs=""):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="{ATOM}" {ns} {attrs}><title>Chip Wire</title><id>urn:feed</id>'
            f'<updated>2025-07-18T03:00:00Z</updated>{feed_extra}<entry>{entry}</entry></feed>\n')


def atom_entry(title=TITLE, link=LINK, summary=SUMMARY, published=ISO, updated=ISO, extra=""):
    parts = [f"<id>urn:entry:1</id>"]
    if title is not None:
        parts.append(f"<title>{title}</title>")
    if link is not None:
        parts.append(f'<link rel="alternate" type="text/html" href="{link}"/>')
    if summary is not None:
        parts.append(f"<summary>{summary}</summary>")
    if published is not None:
        parts.append(f"<published>{published}</published>")
    if updated is not None:
        parts.append(f"<updated>{updated}</updated>")
    return "".join(parts) + extra


def rdf(item, ns="", channel="<channel rdf:about=\"https://news.example.com/\"><title>Chip Wire</title><link>https://news.example.com/</link><description>d</description></channel>",
        default=RSS1):
    default_ns = f'xmlns="{default}"' if default else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="{RDF}" {default_ns} {ns}>{channel}'
            f'<item rdf:about="{LINK}">{item}</item></rdf:RDF>\n')


# ---------------------------------------------------------------- formats and versions
def formats():
    c = "formats"
    write(c, "rss-0.90", f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF}" xmlns="http://my.netscape.com/rdf/simple/0.9/">'
          f'<channel><title>Chip Wire</title><link>https://news.example.com/</link><description>d</description></channel>'
          f'<item><title>{TITLE}</title><link>{LINK}</link></item></rdf:RDF>\n',
          "RSS 0.90 (RDF, Netscape namespace): items have a title and a link only", summary="", published=None)
    netscape = ('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
                '  "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n')
    write(c, "rss-0.91-netscape-doctype", '<?xml version="1.0" encoding="ISO-8859-1"?>\n' + netscape
          + rss(rss_item(date=None), version="0.91", decl=""),
          "RSS 0.91 with Netscape's public DOCTYPE: read, the DTD never fetched", published=None)
    write(c, "rss-0.91-userland", rss(rss_item(date=None), version="0.91"), "RSS 0.91 (UserLand), no DOCTYPE", published=None)
    write(c, "rss-0.91-doctype-entities", '<?xml version="1.0"?>\n' + netscape
          + rss(rss_item(title="Rapidus&nbsp;&amp; IBM&nbsp;&mdash; 2nm", date=None), version="0.91", decl=""),
          "RSS 0.91's DTD declares the HTML entities: they are read though the DTD is not", title="Rapidus & IBM \u2014 2nm", published=None)
    write(c, "rss-0.92", rss(rss_item(date=None, extra='<source url="https://other.example.com/rss">Other</source>'), version="0.92"),
          "RSS 0.92: item with a source element", published=None)
    write(c, "rss-0.93", rss(rss_item(), version="0.93"), "RSS 0.93 with pubDate")
    write(c, "rss-0.94", rss(rss_item(), version="0.94"), "RSS 0.94 with pubDate")
    write(c, "rss-2.0", rss(rss_item()), "RSS 2.0")
    write(c, "rss-2.0-no-version", rss(rss_item()).replace(' version="2.0"', ""), "<rss> without a version attribute is read as 2.0")
    write(c, "rss-2.0-default-namespace", rss(rss_item()).replace('<rss version="2.0" ', '<rss version="2.0" xmlns="http://backend.userland.com/rss2" '),
          "RSS 2.0 in UserLand's namespace as the default")
    write(c, "rss-2.0-prefixed", '<?xml version="1.0"?>\n<r:rss xmlns:r="http://backend.userland.com/rss2" version="2.0"><r:channel><r:title>Chip Wire</r:title>'
          f'<r:item><r:title>{TITLE}</r:title><r:link>{LINK}</r:link><r:description>{SUMMARY}</r:description><r:pubDate>{RFC822}</r:pubDate></r:item></r:channel></r:rss>\n',
          "RSS 2.0 with every element prefixed (<r:rss>)")
    write(c, "rss-no-channel", f'<?xml version="1.0"?>\n<rss version="2.0"><title>Chip Wire</title><item>{rss_item()}</item></rss>\n',
          "<rss> whose items are right under the root, no <channel>")
    write(c, "rss-1.0", rdf(f"<title>{TITLE}</title><link>{LINK}</link><description>{SUMMARY}</description><dc:date>{ISO}</dc:date>", DC),
          "RSS 1.0 (RDF) with dc:date")
    write(c, "rss-1.0-prefixed", f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF}" xmlns:rss="{RSS1}" {DC}><rss:channel rdf:about="x"><rss:title>Chip Wire</rss:title></rss:channel>'
          f'<rss:item rdf:about="{LINK}"><rss:title>{TITLE}</rss:title><rss:link>{LINK}</rss:link><rss:description>{SUMMARY}</rss:description><dc:date>{ISO}</dc:date></rss:item></rdf:RDF>\n',
          "RSS 1.0 with its elements prefixed (rss:item)")
    write(c, "rss-1.0-no-namespace", rdf(f"<title>{TITLE}</title><link>{LINK}</link><description>{SUMMARY}</description><dc:date>{ISO}</dc:date>", DC, default=None),
          "RDF feed whose channel and items are in no namespace")
    write(c, "atom-0.3", f'<?xml version="1.0" encoding="utf-8"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Chip Wire</title>'
          f'<entry><title>{TITLE}</title><link rel="alternate" type="text/html" href="{LINK}"/><id>urn:1</id>'
          f'<issued>2025-07-18T03:00:00Z</issued><modified>2025-07-19T00:00:00Z</modified><summary>{SUMMARY}</summary></entry></feed>\n',
          "Atom 0.3: the date is <issued> (published), not <modified>")
    write(c, "atom-0.3-modified-only", f'<?xml version="1.0" encoding="utf-8"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Chip Wire</title>'
          f'<entry><title>{TITLE}</title><link rel="alternate" type="text/html" href="{LINK}"/><id>urn:1</id>'
          f'<modified>2025-07-18T03:00:00Z</modified><summary>{SUMMARY}</summary></entry></feed>\n',
          "Atom 0.3 with only <modified>")
    write(c, "atom-1.0", atom(atom_entry()), "Atom 1.0")
    write(c, "atom-1.0-updated-only", atom(atom_entry(published=None)), "Atom 1.0 entry with <updated> only: that is its date")
    write(c, "atom-1.0-published-and-updated", atom(atom_entry(updated="2025-07-20T00:00:00Z")), "Atom 1.0: <published> wins over a later <updated>")
    write(c, "atom-1.0-prefixed", f'<?xml version="1.0"?>\n<a:feed xmlns:a="{ATOM}"><a:title>Chip Wire</a:title><a:entry><a:id>urn:1</a:id><a:title>{TITLE}</a:title>'
          f'<a:link href="{LINK}"/><a:summary>{SUMMARY}</a:summary><a:published>{ISO}</a:published></a:entry></a:feed>\n',
          "Atom 1.0 with every element prefixed (<a:feed>)")
    write(c, "atom-1.0-content-only", atom(atom_entry(summary=None, extra=f'<content type="html">&lt;p&gt;{SUMMARY}&lt;/p&gt;</content>')),
          "Atom entry with content and no summary: the content is the summary")
    write(c, "atom-1.0-summary-and-content", atom(atom_entry(extra='<content type="text">The longer story.</content>')),
          "Atom entry with summary and content: the summary")
    for version in ["1", "1.1"]:
        write(c, f"json-feed-{version}", json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "Chip Wire",
              "items": [{"id": "1", "url": LINK, "title": TITLE, "summary": SUMMARY, "date_published": ISO}]}),
              f"JSON Feed {version}", ext="json", content_type="application/feed+json")


# ---------------------------------------------------------------- dates
def dates():
    c = "dates"
    cases = [
        ("rfc822-gmt", RFC822, INSTANT),
        ("rfc822-plus0000", "Fri, 18 Jul 2025 03:00:00 +0000", INSTANT),
        ("rfc822-no-weekday", "18 Jul 2025 03:00:00 GMT", INSTANT),
        ("rfc822-two-digit-year", "Fri, 18 Jul 25 03:00:00 GMT", INSTANT),
        ("rfc822-no-seconds", "Fri, 18 Jul 2025 03:00 GMT", INSTANT),
        ("rfc822-ut", "Fri, 18 Jul 2025 03:00:00 UT", INSTANT),
        ("rfc822-utc", "Fri, 18 Jul 2025 03:00:00 UTC", INSTANT),
        ("rfc822-z", "Fri, 18 Jul 2025 03:00:00 Z", INSTANT),
        ("rfc822-est", "Thu, 17 Jul 2025 22:00:00 EST", INSTANT),
        ("rfc822-edt", "Thu, 17 Jul 2025 23:00:00 EDT", INSTANT),
        ("rfc822-cst-us", "Thu, 17 Jul 2025 21:00:00 CST", INSTANT),
        ("rfc822-cdt", "Thu, 17 Jul 2025 22:00:00 CDT", INSTANT),
        ("rfc822-mst", "Thu, 17 Jul 2025 20:00:00 MST", INSTANT),
        ("rfc822-mdt", "Thu, 17 Jul 2025 21:00:00 MDT", INSTANT),
        ("rfc822-pst", "Thu, 17 Jul 2025 19:00:00 PST", INSTANT),
        ("rfc822-pdt", "Thu, 17 Jul 2025 20:00:00 PDT", INSTANT),
        ("rfc822-jst", "Fri, 18 Jul 2025 12:00:00 JST", INSTANT),
        ("rfc822-plus0900", "Fri, 18 Jul 2025 12:00:00 +0900", INSTANT),
        ("rfc822-plus09colon00", "Fri, 18 Jul 2025 12:00:00 +09:00", INSTANT),
        ("rfc822-minus0530", "Thu, 17 Jul 2025 21:30:00 -0530", INSTANT),
        ("rfc822-plus0530", "Fri, 18 Jul 2025 08:30:00 +0530", INSTANT),
        ("rfc822-cest", "Fri, 18 Jul 2025 05:00:00 CEST", INSTANT),
        ("rfc822-no-zone", "Fri, 18 Jul 2025 03:00:00", INSTANT),
        ("rfc822-wrong-weekday", "Mon, 18 Jul 2025 03:00:00 GMT", INSTANT),
        ("rfc822-lowercase", "fri, 18 jul 2025 03:00:00 gmt", INSTANT),
        ("rfc822-extra-spaces", "Fri,  18 Jul 2025   03:00:00  GMT", INSTANT),
        ("rfc822-single-digit-day", "Fri, 4 Jul 2025 03:00:00 GMT", "2025-07-04T03:00:00+00:00"),
        ("rfc822-single-digit-hour", "Fri, 18 Jul 2025 3:00:00 GMT", INSTANT),
        ("rfc822-full-names", "Friday, 18 July 2025 03:00:00 GMT", INSTANT),
        ("rfc822-date-only", "18 Jul 2025", "2025-07-18T00:00:00+00:00"),
        ("rfc822-leading-space", "  Fri, 18 Jul 2025 03:00:00 GMT\n ", INSTANT),
        ("iso-in-pubdate", ISO, INSTANT),
        ("iso-offset", "2025-07-18T12:00:00+09:00", INSTANT),
        ("iso-negative-offset", "2025-07-17T23:00:00-04:00", INSTANT),
        ("iso-fraction", "2025-07-18T03:00:00.250Z", "2025-07-18T03:00:00.25+00:00"),
        ("iso-no-seconds", "2025-07-18T03:00Z", INSTANT),
        ("iso-date-only", "2025-07-18", "2025-07-18T00:00:00+00:00"),
        ("iso-space-separator", "2025-07-18 03:00:00", INSTANT),
        ("iso-no-zone", "2025-07-18T03:00:00", INSTANT),
        ("unreadable", "sometime last week", None),
        ("empty", "", None),
    ]
    for name, text, instant in cases:
        write(c, name, rss(rss_item(date=text)), f"pubDate '{text.strip()}'", published=instant)
    write(c, "dc-date-in-rss2", rss(rss_item(date=None, extra=f"<dc:date>{ISO}</dc:date>"), ns=DC), "RSS 2.0 item dated by dc:date only")
    write(c, "pubdate-over-dc-date", rss(rss_item(extra="<dc:date>2025-07-20T00:00:00Z</dc:date>"), ns=DC), "pubDate wins over dc:date")
    write(c, "cst-in-chinese-feed", rss(rss_item(date="Fri, 18 Jul 2025 11:00:00 CST"), channel_extra="<language>zh-cn</language>"),
          "CST in a zh-cn feed is China Standard Time (UTC+8)")
    write(c, "atom-offset", atom(atom_entry(published="2025-07-18T05:00:00+02:00")), "Atom published with an offset")
    write(c, "atom-fraction", atom(atom_entry(published="2025-07-18T03:00:00.5Z")), "Atom published with a fraction", published="2025-07-18T03:00:00.5+00:00")
    write(c, "json-date-modified-only", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": LINK, "title": TITLE, "summary": SUMMARY, "date_modified": "2025-07-18T12:00:00+09:00"}]}),
        "JSON Feed item with date_modified only", ext="json")


# ---------------------------------------------------------------- namespaces
def namespaces():
    c = "namespaces"
    allns = f"{DC} {CONTENT} {MEDIA} {ITUNES}"
    write(c, "dc-title", rss(rss_item(title=None, extra=f"<dc:title>{TITLE}</dc:title>"), ns=DC), "dc:title when there is no title")
    write(c, "title-over-dc-title", rss(rss_item(extra="<dc:title>Another title</dc:title>"), ns=DC), "title wins over dc:title")
    write(c, "dc-description", rss(rss_item(summary=None, extra=f"<dc:description>{SUMMARY}</dc:description>"), ns=DC), "dc:description when there is no description")
    write(c, "content-encoded", rss(rss_item(summary=None, extra=f"<content:encoded><![CDATA[<p>{SUMMARY}</p>]]></content:encoded>"), ns=CONTENT),
          "content:encoded when there is no description")
    write(c, "description-over-content-encoded", rss(rss_item(extra="<content:encoded><![CDATA[<p>The full story.</p>]]></content:encoded>"), ns=CONTENT),
          "description wins over content:encoded")
    write(c, "content-encoded-empty-description", rss(rss_item(summary="", extra=f"<content:encoded><![CDATA[<p>{SUMMARY}</p>]]></content:encoded>"), ns=CONTENT),
          "an empty description gives way to content:encoded")
    write(c, "media-title", rss(rss_item(title=None, extra=f"<media:title>{TITLE}</media:title>"), ns=MEDIA), "media:title when there is no title")
    write(c, "media-description", rss(rss_item(summary=None, extra=f"<media:description>{SUMMARY}</media:description>"), ns=MEDIA),
          "media:description when there is no description")
    write(c, "media-group", rss(rss_item(title=None, summary=None, extra=f"<media:group><media:title>{TITLE}</media:title><media:description>{SUMMARY}</media:description></media:group>"), ns=MEDIA),
          "media:title and media:description inside media:group")
    write(c, "itunes-summary", rss(rss_item(summary=None, extra=f"<itunes:summary>{SUMMARY}</itunes:summary>"), ns=ITUNES), "itunes:summary when there is no description")
    write(c, "itunes-and-media-order", rss(rss_item(summary=None, extra=f"<media:description>{SUMMARY}</media:description><itunes:summary>Podcast text</itunes:summary>"), ns=allns),
          "media:description before itunes:summary")
    write(c, "dc-date-rss1", rdf(f"<title>{TITLE}</title><link>{LINK}</link><description>{SUMMARY}</description><dc:date>2025-07-18T12:00:00+09:00</dc:date>", DC),
          "RSS 1.0 dc:date with an offset")
    write(c, "rss1-content-encoded", rdf(f"<title>{TITLE}</title><link>{LINK}</link><content:encoded><![CDATA[<p>{SUMMARY}</p>]]></content:encoded><dc:date>{ISO}</dc:date>", f"{DC} {CONTENT}"),
          "RSS 1.0 item with content:encoded only")
    write(c, "rss1-dc-title", rdf(f"<dc:title>{TITLE}</dc:title><link>{LINK}</link><dc:description>{SUMMARY}</dc:description><dc:date>{ISO}</dc:date>", DC),
          "RSS 1.0 item with dc:title and dc:description only")
    write(c, "atom-link-in-rss", rss(rss_item(), channel_extra=f'<atom:link xmlns:atom="{ATOM}" rel="self" href="https://news.example.com/feed"/>'),
          "an atom:link self in the channel is not the item's link")
    write(c, "unknown-namespace-ignored", rss(rss_item(extra='<x:title xmlns:x="urn:other">Not this</x:title>')), "a title in an unknown namespace is ignored")
    write(c, "namespace-prefix-other-name", rss(rss_item(title=None, extra=f'<purl:title xmlns:purl="http://purl.org/dc/elements/1.1/">{TITLE}</purl:title>')),
          "Dublin Core under another prefix is still Dublin Core")
    write(c, "dc-creator-not-summary", rss(rss_item(extra="<dc:creator>A. Writer</dc:creator>"), ns=DC), "dc:creator is not text of the item")


# ---------------------------------------------------------------- encodings
TEXTS = {
    "ru": ("Микрон наращивает выпуск памяти в Японии",
           "Компания Micron Technology заявила, что увеличит производство памяти на заводе в Хиросиме в следующем году. Инвестиции составят несколько миллиардов долларов."),
    "el": ("Η Micron επεκτείνει την παραγωγή μνήμης στην Ιαπωνία",
           "Η εταιρεία ανακοίνωσε νέα επένδυση στο εργοστάσιο της Χιροσίμα για τα τσιπ μνήμης. Η παραγωγή θα ξεκινήσει τον επόμενο χρόνο."),
    "cs": ("Výrobce čipů Rapidus zahájil zkušební výrobu",
           "Japonská společnost Rapidus oznámila, že její továrna na Hokkaidu začala vyrábět první destičky. Sériová výroba má začít za dva roky."),
    "zh-tw": ("台積電擴大先進製程投資",
              "台灣積體電路製造公司表示，將在明年擴大二奈米製程的產能，以滿足人工智慧晶片的需求。公司也計劃在日本興建新廠。"),
    "zh-cn": ("美光科技扩大日本存储芯片产能",
              "美光公司宣布将在广岛工厂增加高带宽存储器的产量，以满足人工智能服务器的需求。新生产线预计明年投产。"),
    "ja": ("ラピダス、北海道で試作ラインを稼働",
           "半導体メーカーのラピダスは、北海道千歳市の工場で次世代半導体の試作を始めたと発表した。量産は二年後を目指している。"),
    "ko": ("삼성전자, 차세대 메모리 생산 확대",
           "삼성전자는 인공지능 서버용 고대역폭 메모리의 생산을 내년에 크게 늘릴 계획이라고 밝혔다. 새로운 공장도 건설할 예정이다."),
    "th": ("ไมครอนขยายการผลิตชิปหน่วยความจำ",
           "บริษัทไมครอนประกาศลงทุนเพิ่มในโรงงานผลิตชิปหน่วยความจำเพื่อรองรับความต้องการด้านปัญญาประดิษฐ์ที่เพิ่มขึ้นอย่างรวดเร็ว"),
    "tr": ("Türkiye yarı iletken üretimine yatırım yapıyor",
           "Şirket, yapay zekâ çipleri için yeni bir üretim tesisi kuracağını açıkladı; çalışmalar gelecek yıl başlayacak ve yüzlerce kişiye iş sağlanacak."),
    "fr": ("Micron investit 3 milliards d’euros — « la mémoire du futur »",
           "Le fabricant américain prévoit d’agrandir son usine ; coût estimé : 3 000 000 000 €. La production débutera l’année prochaine."),
    "de": ("Micron baut Werk in Dresden aus: Kosten 3 Mrd. €",
           "Der Speicherhersteller plant eine größere Fertigung; die Arbeiten beginnen im Frühjahr. Über 500 Stellen entstehen."),
    "he": ("מיקרון מרחיבה את ייצור השבבים",
           "החברה הודיעה על השקעה חדשה במפעל לייצור זיכרון עבור מערכות בינה מלאכותית. הייצור יתחיל בשנה הבאה."),
    "ar": ("ميكرون توسع إنتاج رقائق الذاكرة",
           "أعلنت الشركة عن استثمار جديد في مصنعها لإنتاج الذاكرة عالية النطاق لخوادم الذكاء الاصطناعي. وسيبدأ الإنتاج العام المقبل."),
    "uk": ("Мікрон розширює виробництво пам'яті в Японії",
           "Компанія повідомила, що збільшить виробництво мікросхем пам'яті на заводі в Хіросімі. Інвестиції становитимуть кілька мільярдів доларів."),
}

# (label as a feed would declare it, Python codec, text, whether a detector can be expected to find it undeclared)
LEGACY = [
    ("koi8-r", "koi8_r", "ru", True),
    ("windows-1251", "cp1251", "ru", True),
    ("iso-8859-5", "iso8859_5", "ru", True),
    ("ibm866", "cp866", "ru", True),
    ("koi8-u", "koi8_u", "uk", False),
    ("iso-8859-7", "iso8859_7", "el", True),
    ("windows-1253", "cp1253", "el", False),
    ("iso-8859-2", "iso8859_2", "cs", False),
    ("windows-1250", "cp1250", "cs", True),
    ("big5", "big5", "zh-tw", True),
    ("gb2312", "gb2312", "zh-cn", True),
    ("gbk", "gbk", "zh-cn", True),
    ("gb18030", "gb18030", "zh-cn", True),
    ("shift_jis", "shift_jis", "ja", True),
    ("euc-jp", "euc_jp", "ja", True),
    ("iso-2022-jp", "iso2022_jp", "ja", True),
    ("euc-kr", "euc_kr", "ko", True),
    ("tis-620", "cp874", "th", True),
    ("windows-874", "cp874", "th", True),
    ("iso-8859-9", "cp1254", "tr", False),
    ("windows-1254", "cp1254", "tr", False),
    ("windows-1252", "cp1252", "fr", True),
    ("iso-8859-15", "iso8859_15", "de", False),
    ("windows-1255", "cp1255", "he", True),
    ("windows-1256", "cp1256", "ar", False),
]


def encoded_feed(kind, title, summary, declaration):
    decl = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else '<?xml version="1.0"?>\n'
    if kind == "rss":
        return rss(rss_item(title=esc(title), summary=esc(summary)), decl=decl)
    body = atom(atom_entry(title=esc(title), summary=esc(summary)))
    return body.replace('<?xml version="1.0" encoding="utf-8"?>\n', decl)


def encodings():
    c = "encodings"
    for label, codec, language, detectable in LEGACY:
        title, summary = TEXTS[language]
        for kind in ["rss", "atom"]:
            feed = encoded_feed(kind, title, summary, label)
            write(c, f"{label}-declared-{kind}", feed.encode(codec), f"{label}, declared in the XML declaration ({kind})",
                  title=title, summary=summary, content_type="application/xml")
            feed = encoded_feed(kind, title, summary, None)
            write(c, f"{label}-http-{kind}", feed.encode(codec), f"{label}, declared only in the HTTP Content-Type ({kind})",
                  title=title, summary=summary, content_type=f"application/xml; charset={label}")
        if detectable:
            feed = encoded_feed("rss", title, summary, None)
            write(c, f"{label}-undeclared", feed.encode(codec), f"{label}, declared nowhere: found by the charset detector",
                  title=title, summary=summary, content_type="application/xml")
    # HTTP wins over the declaration (RFC 7303), and a wrong HTTP label for a UTF-8 body is still wrong: what it says wins.
    title, summary = TEXTS["ru"]
    write(c, "http-over-declaration", encoded_feed("rss", title, summary, "windows-1251").encode("koi8_r"),
          "the HTTP charset (koi8-r) wins over the XML declaration (windows-1251)", title=title, summary=summary,
          content_type="application/rss+xml; charset=koi8-r")
    write(c, "http-quoted-charset", encoded_feed("rss", title, summary, None).encode("koi8_r"), "a quoted HTTP charset",
          title=title, summary=summary, content_type='application/rss+xml; charset="KOI8-R"')
    write(c, "text-xml-with-charset", encoded_feed("rss", title, summary, None).encode("cp1251"), "text/xml with a charset parameter",
          title=title, summary=summary, content_type="text/xml; charset=windows-1251")
    fr_title, fr_summary = TEXTS["fr"]
    for label in ["iso-8859-1", "latin1", "us-ascii", "ISO-8859-1"]:
        write(c, f"{label.lower()}-label-means-1252-{'http' if label.isupper() else 'declared'}",
              encoded_feed("rss", fr_title, fr_summary, None if label.isupper() else label).encode("cp1252"),
              f"a '{label}' label is read as windows-1252 (WHATWG): € ’ « » survive", title=fr_title, summary=fr_summary,
              content_type=f"application/xml; charset={label}" if label.isupper() else "application/xml")
    write(c, "cp1252-numeric-references", rss(rss_item(title="Micron&#146;s &#147;record&#148; quarter &#150; again")),
          "numeric references in the windows-1252 range (&#146;) read as browsers read them", title="Micron’s “record” quarter – again")
    # Unicode forms
    ja_title, ja_summary = TEXTS["ja"]
    unicode_cases = [
        ("utf-8-declared", encoded_feed("rss", ja_title, ja_summary, "utf-8").encode("utf-8"), None),
        ("utf-8-undeclared", encoded_feed("rss", ja_title, ja_summary, None).encode("utf-8"), None),
        ("utf-8-http", encoded_feed("rss", ja_title, ja_summary, None).encode("utf-8"), "application/rss+xml; charset=utf-8"),
        ("utf-8-bom", b"\xef\xbb\xbf" + encoded_feed("rss", ja_title, ja_summary, "utf-8").encode("utf-8"), None),
        ("utf-8-bom-no-declaration", b"\xef\xbb\xbf" + encoded_feed("rss", ja_title, ja_summary, None).encode("utf-8"), None),
        ("utf-8-bom-wrong-declaration", b"\xef\xbb\xbf" + encoded_feed("rss", ja_title, ja_summary, "iso-8859-1").encode("utf-8"), None),
        ("utf-16le-bom", b"\xff\xfe" + encoded_feed("rss", ja_title, ja_summary, "utf-16").encode("utf-16-le"), None),
        ("utf-16be-bom", b"\xfe\xff" + encoded_feed("rss", ja_title, ja_summary, "utf-16").encode("utf-16-be"), None),
        ("utf-16le-no-bom", encoded_feed("rss", ja_title, ja_summary, "utf-16").encode("utf-16-le"), None),
        ("utf-16be-no-bom", encoded_feed("rss", ja_title, ja_summary, "utf-16").encode("utf-16-be"), None),
        ("utf-16be-no-bom-no-declaration", encoded_feed("rss", ja_title, ja_summary, None).replace('<?xml version="1.0"?>\n', "").encode("utf-16-be"), None),
        ("utf-16le-no-bom-no-declaration", encoded_feed("rss", ja_title, ja_summary, None).replace('<?xml version="1.0"?>\n', "").encode("utf-16-le"), None),
        ("utf-16le-bom-http-utf-16", b"\xff\xfe" + encoded_feed("rss", ja_title, ja_summary, None).encode("utf-16-le"), "application/xml; charset=utf-16"),
        ("utf-32le-bom", b"\xff\xfe\x00\x00" + encoded_feed("rss", ja_title, ja_summary, "utf-32").encode("utf-32-le"), None),
        ("utf-32be-bom", b"\x00\x00\xfe\xff" + encoded_feed("rss", ja_title, ja_summary, "utf-32").encode("utf-32-be"), None),
        ("utf-32le-no-bom", encoded_feed("rss", ja_title, ja_summary, "utf-32").encode("utf-32-le"), None),
        ("utf-32be-no-bom", encoded_feed("rss", ja_title, ja_summary, "utf-32").encode("utf-32-be"), None),
        ("utf-8-astral", encoded_feed("rss", "Rapidus 🚀 ships 𝐜𝐡𝐢𝐩𝐬", SUMMARY, "utf-8").encode("utf-8"), None),
    ]
    for name, data, content_type in unicode_cases:
        title = "Rapidus 🚀 ships 𝐜𝐡𝐢𝐩𝐬" if name == "utf-8-astral" else ja_title
        summary = SUMMARY if name == "utf-8-astral" else ja_summary
        write(c, name, data, f"Unicode: {name}", title=title, summary=summary, content_type=content_type or "application/xml")
    write(c, "utf-8-declared-but-latin1-bytes", encoded_feed("rss", fr_title, fr_summary, "utf-8").encode("cp1252").replace(b'encoding="utf-8"', b'encoding="utf-8"'),
          "declared UTF-8 but the bytes are not: invalid bytes become U+FFFD, the rest is read",
          title=fr_title.encode("cp1252").decode("utf-8", errors="replace"), summary=fr_summary.encode("cp1252").decode("utf-8", errors="replace"),
          content_type="application/xml")


# ---------------------------------------------------------------- links
def links():
    c = "links"
    cases = [
        ("absolute", LINK, LINK),
        ("absolute-with-query-and-fragment", "https://news.example.com/a?id=1&amp;x=2#top", "https://news.example.com/a?id=1&x=2#top"),
        ("http", "http://news.example.com/a", "http://news.example.com/a"),
        ("uppercase-scheme-and-host", "HTTPS://NEWS.Example.COM/A", "https://news.example.com/A"),
        ("surrounding-whitespace", f"\n   {LINK}   \n", LINK),
        ("path-absolute", "/2025/07/story", "{server}/2025/07/story"),
        ("network-path", "//cdn.example.com/story", "http://cdn.example.com/story"),
        ("relative-path", "story/1", "{server}/c/links/story/1"),
        ("dot-segments", "../up/story", "{server}/c/up/story"),
        ("query-only", "?id=7", "{feed}?id=7"),
        ("fragment-only", "#item-3", "{feed}#item-3"),
        ("percent-encoded", "https://news.example.com/%E3%83%A9%E3%83%94%E3%83%80%E3%82%B9", "https://news.example.com/%E3%83%A9%E3%83%94%E3%83%80%E3%82%B9"),
        ("non-ascii-path", "https://news.example.com/ラピダス", "https://news.example.com/%E3%83%A9%E3%83%94%E3%83%80%E3%82%B9"),
        ("idn-host", "https://例え.jp/story", "https://例え.jp/story"),
        ("port", "https://news.example.com:8443/story", "https://news.example.com:8443/story"),
        ("space-in-path", "https://news.example.com/a b", "https://news.example.com/a%20b"),
        ("javascript", "javascript:alert(1)", None),
        ("data", "data:text/html,hi", None),
        ("file", "file:///etc/passwd", None),
        ("mailto", "mailto:desk@example.com", None),
        ("ftp", "ftp://files.example.com/x", None),
        ("empty", "", None),
        ("cdata", f"<![CDATA[{LINK}]]>", LINK),
    ]
    for name, link, expected in cases:
        write(c, f"rss-{name}", rss(rss_item(link=link)), f"RSS link: {name}", link=expected)
    write(c, "rss-guid-permalink", rss(rss_item(link=None, extra=f"<guid>{LINK}</guid>")), "no link: a permalink guid is the link")
    write(c, "rss-guid-permalink-true", rss(rss_item(link=None, extra=f'<guid isPermaLink="true">{LINK}</guid>')), "no link: a guid with isPermaLink=\"true\"")
    write(c, "rss-guid-not-permalink", rss(rss_item(link=None, extra=f'<guid isPermaLink="false">{LINK}</guid>')), "a guid with isPermaLink=\"false\" is no link", link=None)
    write(c, "rss-guid-not-a-url", rss(rss_item(link=None, extra="<guid>tag:news.example.com,2025:1</guid>")), "a guid that is not a url is no link", link=None)
    write(c, "rss-link-over-guid", rss(rss_item(extra="<guid>https://news.example.com/other</guid>")), "link wins over a permalink guid")
    write(c, "atom-alternate-after-self", atom(atom_entry(link=None, extra=f'<link rel="self" href="https://news.example.com/self"/><link rel="alternate" href="{LINK}"/>')),
          "Atom: the alternate link, not a self link before it")
    write(c, "atom-no-rel", atom(atom_entry(link=None, extra=f'<link href="{LINK}"/>')), "Atom link without rel is alternate")
    write(c, "atom-enclosure-and-alternate", atom(atom_entry(link=None, extra=f'<link rel="enclosure" href="https://cdn.example.com/a.mp3"/><link rel="alternate" href="{LINK}"/>')),
          "Atom: an enclosure link is not the entry's link")
    write(c, "atom-relative", atom(atom_entry(link="/2025/07/story")), "Atom relative link against the feed url", link="{server}/2025/07/story")
    write(c, "atom-only-related", atom(atom_entry(link=None, extra=f'<link rel="related" href="https://other.example.com/"/>')),
          "Atom entry with only a related link has no link of its own", link=None)
    write(c, "redirected-relative", rss(rss_item(link="story/9")), "after a 302, a relative link resolves against where the feed came from",
          link="{server}/c/links/story/9", redirect_from="/old/place/feed.xml")
    write(c, "json-relative-url", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": "/2025/07/story", "title": TITLE, "summary": SUMMARY, "date_published": ISO}]}),
        "JSON Feed relative url against the feed url", link="{server}/2025/07/story", ext="json")
    write(c, "json-external-url", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "external_url": LINK, "title": TITLE, "summary": SUMMARY, "date_published": ISO}]}),
        "JSON Feed item with external_url only", ext="json")


# ---------------------------------------------------------------- xml:base
def xml_base():
    c = "xml-base"
    write(c, "feed-base", atom(atom_entry(link="story/1")).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="https://base.example.com/news/" xmlns="{ATOM}"'),
          "xml:base on the feed", link="https://base.example.com/news/story/1")
    write(c, "entry-base", atom(atom_entry(link="story/1")).replace("<entry>", '<entry xml:base="https://entry.example.com/a/">'),
          "xml:base on the entry", link="https://entry.example.com/a/story/1")
    write(c, "link-base", atom(atom_entry(link=None, extra='<link xml:base="https://link.example.com/x/" href="story/1"/>')),
          "xml:base on the link element itself", link="https://link.example.com/x/story/1")
    write(c, "nested-relative-bases", atom(atom_entry(link="story/1")).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="https://base.example.com/news/" xmlns="{ATOM}"')
          .replace("<entry>", '<entry xml:base="2025/">'), "a relative xml:base resolves against the one above", link="https://base.example.com/news/2025/story/1")
    write(c, "absolute-base-overrides", atom(atom_entry(link="story/1")).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="https://base.example.com/news/" xmlns="{ATOM}"')
          .replace("<entry>", '<entry xml:base="https://other.example.com/">'), "an absolute xml:base replaces the one above", link="https://other.example.com/story/1")
    write(c, "path-absolute-base", atom(atom_entry(link="story/1")).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="/archive/" xmlns="{ATOM}"'),
          "a path-absolute xml:base resolves against the feed url", link="{server}/archive/story/1")
    write(c, "base-with-absolute-link", atom(atom_entry()).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="https://base.example.com/" xmlns="{ATOM}"'),
          "an absolute link ignores xml:base")
    write(c, "base-on-rss-channel", rss(rss_item(link="story/1")).replace("<channel>", '<channel xml:base="https://base.example.com/rss/">'),
          "xml:base on an RSS channel", link="https://base.example.com/rss/story/1")
    write(c, "base-file-scheme-ignored", atom(atom_entry(link="story/1")).replace(f'<feed xmlns="{ATOM}"', f'<feed xml:base="file:///etc/" xmlns="{ATOM}"'),
          "a file: xml:base gives no link", link=None)
    write(c, "no-base-relative", atom(atom_entry(link="story/1")), "no xml:base: the feed url is the base", link="{server}/c/xml-base/story/1")


# ---------------------------------------------------------------- content forms
def content():
    c = "content"
    cases = [
        ("plain", SUMMARY, SUMMARY),
        ("cdata-html", f"<![CDATA[<p>{SUMMARY}</p>]]>", SUMMARY),
        ("escaped-html", f"&lt;p&gt;{esc(SUMMARY)}&lt;/p&gt;", SUMMARY),
        ("escaped-markup-as-text", "History of the &amp;lt;blink&amp;gt; tag", "History of the <blink> tag"),
        ("script-tag-as-text", "Rapidus: why &amp;lt;script&amp;gt; tags matter to Micron", "Rapidus: why <script> tags matter to Micron"),
        ("cdata-escaped-markup", "<![CDATA[History of the &lt;blink&gt; tag]]>", "History of the <blink> tag"),
        ("decimal-references", "Caf&#233; &#8220;chips&#8221;", "Café “chips”"),
        ("hex-references", "Caf&#xE9; &#x201C;chips&#x201D;", "Café “chips”"),
        ("html-entities-in-cdata", "<![CDATA[Rapidus&nbsp;&amp;&nbsp;IBM &mdash; 2nm]]>", "Rapidus & IBM — 2nm"),
        ("nbsp-reference", "Rapidus&#160;ships", "Rapidus ships"),
        ("paragraphs-separate", "<![CDATA[<p>First.</p><p>Second.</p>]]>", "First. Second."),
        ("br-separates", "<![CDATA[Line one<br>Line two<br/>Line three]]>", "Line one Line two Line three"),
        ("list-items-separate", "<![CDATA[<ul><li>One</li><li>Two</li></ul>]]>", "One Two"),
        ("table-cells-separate", "<![CDATA[<table><tr><td>DRAM</td><td>NAND</td></tr></table>]]>", "DRAM NAND"),
        ("inline-elements-join", "<![CDATA[Ra<b>pi</b>dus <i>ships</i>]]>", "Rapidus ships"),
        ("script-dropped", "<![CDATA[Before<script>var x = 'Micron';</script> after]]>", "Before after"),
        ("style-dropped", "<![CDATA[<style>p { color: red }</style>Styled text]]>", "Styled text"),
        ("comment-dropped", "<![CDATA[Seen <!-- hidden Micron --> text]]>", "Seen text"),
        ("unclosed-comment-kept", "<![CDATA[Rapidus <!-- and the rest]]>", "Rapidus <!-- and the rest"),
        ("unclosed-script-kept", "<![CDATA[Rapidus: why <script> tags matter to Micron]]>", "Rapidus: why <script> tags matter to Micron"),
        ("img-alt-not-text", '<![CDATA[<img alt="chart > Rapidus" src="/x.png">Chart of the week]]>', "Chart of the week"),
        ("attribute-with-gt", '<![CDATA[<a href="/x" title="a > b">Link text</a> here]]>', "Link text here"),
        ("link-text-kept", '<![CDATA[Read <a href="https://x.example.com/">the report</a>.]]>', "Read the report."),
        ("lone-less-than", "Sales &lt; 5% of revenue", "Sales < 5% of revenue"),
        ("cdata-lone-less-than", "<![CDATA[Sales < 5% of revenue]]>", "Sales < 5% of revenue"),
        ("ampersand-in-cdata", "<![CDATA[AT&T and Micron]]>", "AT&T and Micron"),
        ("whitespace-folded", "  Lots\n\n  of\t\twhitespace   here  ", "Lots of whitespace here"),
        ("fullwidth-kept", "Ｒａｐｉｄｕｓ　２ｎｍ", "Ｒａｐｉｄｕｓ ２ｎｍ"),  # as written; the ideographic space is white space
        ("ellipsis-kept", "At last… （2nm）", "At last… （2nm）"),
        ("zero-width-removed", "Rapi\u200bdus\u200d ships", "Rapidus ships"),
        ("control-characters-removed", "Rapidus\u0007 ships", "Rapidus ships"),
        ("iframe-dropped", "<![CDATA[Text<iframe src='https://ads.example.com/'>ad</iframe> more]]>", "Text more"),
        ("heading-separates", "<![CDATA[<h2>Micron</h2>Results beat estimates]]>", "Micron Results beat estimates"),
        ("nested-cdata-like-text", "<![CDATA[Use ]]]]><![CDATA[> carefully]]>", "Use ]]> carefully"),
        ("empty-description", "", ""),
    ]
    for name, raw, expected in cases:
        write(c, f"rss-{name}", rss(rss_item(summary=raw)), f"RSS description: {name}", summary=expected)
    long_text = "Rapidus " + "wafer " * 1200
    write(c, "rss-long-summary-cut", rss(rss_item(summary=long_text.strip())), "a summary past 4000 characters is cut, with an ellipsis",
          summary=long_text.strip()[:3999].rstrip() + "…")
    atom_cases = [
        ("text", '<summary type="text">Sales &lt; 5% &amp; rising</summary>', "Sales < 5% & rising"),
        # Escaped tags in a type="text" construct are read as HTML, as feed readers do (publishers mean them so).
        ("text-with-escaped-tags", '<summary type="text">&lt;b&gt;Bold&lt;/b&gt; claim</summary>', "Bold claim"),
        ("html", '<summary type="html">&lt;p&gt;The &lt;b&gt;chip&lt;/b&gt; news.&lt;/p&gt;</summary>', "The chip news."),
        ("html-escaped-twice", '<summary type="html">History of the &amp;lt;blink&amp;gt; tag</summary>', "History of the <blink> tag"),
        ("xhtml", '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>The <b>chip</b> news.</p></div></summary>', "The chip news."),
        ("xhtml-inline-spaces", '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Rapidus</b> <i>starts</i> <a href="/x">2nm</a></div></summary>', "Rapidus starts 2nm"),
        ("xhtml-script-dropped", '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Kept<script>var micron = 1;</script> text</div></summary>', "Kept text"),
        ("xhtml-prefixed", '<summary type="xhtml"><x:div xmlns:x="http://www.w3.org/1999/xhtml"><x:p>The chip news.</x:p></x:div></summary>', "The chip news."),
        ("cdata-html", '<summary type="html"><![CDATA[<p>The <b>chip</b> news.</p>]]></summary>', "The chip news."),
        ("content-html", '<content type="html">&lt;p&gt;The chip news.&lt;/p&gt;</content>', "The chip news."),
        ("content-xhtml", '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>The <em>chip</em> news.</p></div></content>', "The chip news."),
    ]
    for name, element, expected in atom_cases:
        write(c, f"atom-{name}", atom(atom_entry(summary=None, extra=element)), f"Atom text construct: {name}", summary=expected)
    encoded = base64.b64encode("The chip news, in base64.".encode("utf-8")).decode("ascii")
    for element in ["summary", "content"]:
        write(c, f"atom-0.3-base64-{element}", f'<?xml version="1.0"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title><entry><title>{TITLE}</title>'
              f'<link rel="alternate" type="text/html" href="{LINK}"/><id>urn:1</id><issued>{ISO}</issued>'
              f'<{element} type="text/plain" mode="base64">{encoded}</{element}></entry></feed>\n',
              f"Atom 0.3 {element} mode=\"base64\" is decoded", summary="The chip news, in base64.")
    write(c, "atom-0.3-escaped", f'<?xml version="1.0"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title><entry><title>{TITLE}</title>'
          f'<link rel="alternate" type="text/html" href="{LINK}"/><id>urn:1</id><issued>{ISO}</issued>'
          f'<summary type="text/html" mode="escaped">&lt;p&gt;The chip news.&lt;/p&gt;</summary></entry></feed>\n',
          "Atom 0.3 summary mode=\"escaped\"", summary="The chip news.")
    write(c, "atom-0.3-xml-mode", f'<?xml version="1.0"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title><entry><title>{TITLE}</title>'
          f'<link rel="alternate" type="text/html" href="{LINK}"/><id>urn:1</id><issued>{ISO}</issued>'
          f'<content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><b>The</b> chip news.</div></content></entry></feed>\n',
          "Atom 0.3 content mode=\"xml\" (inline XHTML)", summary="The chip news.")


# ---------------------------------------------------------------- titles
def titles():
    c = "titles"
    cases = [
        ("plain", TITLE, TITLE),
        ("cdata", f"<![CDATA[{TITLE}]]>", TITLE),
        ("escaped-bold", "Rapidus &lt;b&gt;starts&lt;/b&gt; 2nm line", "Rapidus starts 2nm line"),
        ("ampersand", "Rapidus &amp; IBM", "Rapidus & IBM"),
        ("double-escaped-ampersand", "Rapidus &amp;amp; IBM", "Rapidus & IBM"),
        ("escaped-tag-as-text", "Why &amp;lt;script&amp;gt; tags matter", "Why <script> tags matter"),
        ("newlines", "Rapidus\n   starts\n 2nm", "Rapidus starts 2nm"),
        ("japanese", "ラピダス、2ナノ試作ラインを稼働", "ラピダス、2ナノ試作ラインを稼働"),
        ("rtl", "מיקרון מרחיבה ייצור", "מיקרון מרחיבה ייצור"),
        ("emoji", "Rapidus 🚀 ships", "Rapidus 🚀 ships"),
    ]
    for name, raw, expected in cases:
        write(c, f"rss-{name}", rss(rss_item(title=raw)), f"RSS title: {name}", title=expected)
    write(c, "rss-long-title-cut", rss(rss_item(title="Rapidus " * 80)), "a title past 500 characters is cut, with an ellipsis",
          title=("Rapidus " * 80).strip()[:499].rstrip() + "…")
    write(c, "rss-no-title", rss(rss_item(title=None)), "an item with no title at all", title="")
    write(c, "atom-title-html", atom(atom_entry(title=None, extra='<title type="html">Rapidus &lt;em&gt;starts&lt;/em&gt; 2nm</title>')),
          "Atom title type=html", title="Rapidus starts 2nm")
    write(c, "atom-title-xhtml", atom(atom_entry(title=None, extra='<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Rapidus <em>starts</em> 2nm</div></title>')),
          "Atom title type=xhtml", title="Rapidus starts 2nm")
    write(c, "atom-title-text-lt", atom(atom_entry(title=None, extra='<title type="text">Sales &lt; 5%</title>')),
          "Atom title type=text keeps a '<'", title="Sales < 5%")


# ---------------------------------------------------------------- JSON Feed
def json_feeds():
    c = "json-feed"

    def feed(item, version="1.1", **extra):
        doc = {"version": f"https://jsonfeed.org/version/{version}", "title": "Chip Wire", "items": [item]}
        doc.update(extra)
        return json.dumps(doc, ensure_ascii=False)

    base = {"id": "1", "url": LINK, "title": TITLE, "date_published": ISO}
    write(c, "summary", feed({**base, "summary": SUMMARY}), "summary", ext="json")
    write(c, "content-text", feed({**base, "content_text": SUMMARY}), "content_text when there is no summary", ext="json")
    write(c, "content-html", feed({**base, "content_html": f"<p>{SUMMARY}</p>"}), "content_html when there is neither", ext="json")
    write(c, "summary-over-content", feed({**base, "summary": SUMMARY, "content_html": "<p>Longer story.</p>"}), "summary wins over content", ext="json")
    write(c, "content-text-is-plain", feed({**base, "content_text": "Use <b> for bold & more"}), "content_text is plain text: '<b>' stays",
          summary="Use <b> for bold & more", ext="json")
    write(c, "numeric-id", feed({**base, "id": 42, "summary": SUMMARY}, version="1"), "JSON Feed 1.0 with a numeric id", ext="json")
    write(c, "no-title", feed({"id": "1", "url": LINK, "content_text": SUMMARY, "date_published": ISO}), "a microblog item without a title", title="", ext="json")
    write(c, "utf-8-bom", b"\xef\xbb\xbf" + feed({**base, "summary": SUMMARY}).encode("utf-8"), "a JSON Feed with a UTF-8 byte-order mark", ext="json")
    write(c, "unicode-escapes", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [{**base, "title": "ラピダス、2ナノ", "summary": SUMMARY}]}, ensure_ascii=True),
          "\\u escapes in JSON strings", title="ラピダス、2ナノ", ext="json")
    write(c, "language", feed({**base, "summary": SUMMARY}, language="ja"), "JSON Feed 1.1 with a language", ext="json")
    write(c, "attachments-ignored", feed({**base, "summary": SUMMARY, "attachments": [{"url": "https://cdn.example.com/a.mp3", "mime_type": "audio/mpeg"}]}),
          "attachments are not the item's link", ext="json")
    write(c, "authors-and-tags", feed({**base, "summary": SUMMARY, "authors": [{"name": "A. Writer"}], "tags": ["chips"]}), "authors and tags are not text", ext="json")
    write(c, "html-in-title-is-plain", feed({**base, "title": "Rapidus &amp; IBM", "summary": SUMMARY}), "a character reference in a title is read",
          title="Rapidus & IBM", ext="json")


# ---------------------------------------------------------------- structure
def structure():
    c = "structure"
    write(c, "comments-and-pis", rss(rss_item(title=f"<!-- c -->{TITLE}<?pi x?>")).replace("<channel>", "<!-- a comment --><?xml-stylesheet href='x.xsl'?><channel>"),
          "comments and processing instructions are not text")
    write(c, "stylesheet-pi", f'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n' + rss(rss_item(), decl=""),
          "an xml-stylesheet processing instruction before the root")
    write(c, "leading-whitespace", "\n\n   " + rss(rss_item(), decl=""), "white space before the root")
    write(c, "items-before-channel-title", f'<?xml version="1.0"?>\n<rss version="2.0"><channel><item>{rss_item()}</item><title>Chip Wire</title></channel></rss>\n',
          "items before the channel's title")
    write(c, "item-with-only-description", rss(rss_item(title=None, link=None, date=None)), "an item with a description only", title="", link=None, published=None)
    write(c, "element-order", rss(f"<pubDate>{RFC822}</pubDate><description>{SUMMARY}</description><link>{LINK}</link><title>{TITLE}</title>"),
          "elements in an unusual order")
    write(c, "atom-source-element", atom(atom_entry(extra=f'<source><title>Original</title><link href="https://original.example.com/"/><updated>{ISO}</updated></source>')),
          "an Atom source element's title and link are not the entry's")
    write(c, "atom-author-name", atom(atom_entry(extra="<author><name>A. Writer</name><email>a@example.com</email></author>")),
          "author elements are not text of the entry")
    write(c, "rss-enclosure", rss(rss_item(extra='<enclosure url="https://cdn.example.com/a.mp3" length="1" type="audio/mpeg"/>')),
          "an enclosure is not the item's link")
    write(c, "rss-category", rss(rss_item(extra="<category>Semiconductors</category>")), "categories are not text of the item")
    write(c, "atom-many-entries", atom(atom_entry(), feed_extra="").replace("</feed>", "<entry><id>urn:2</id><title>Second</title><updated>2025-07-17T00:00:00Z</updated></entry></feed>"),
          "the first entry in document order")
    write(c, "rss-crlf-line-endings", rss(rss_item()).replace("><", ">\r\n<"), "CRLF line endings between elements")
    write(c, "rss-tab-indented", rss(rss_item()).replace("><", ">\n\t\t<"), "indentation between elements")
    write(c, "rss-standalone-declaration", rss(rss_item(), decl='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'), "a standalone declaration")
    write(c, "rss-no-declaration", rss(rss_item(), decl=""), "no XML declaration at all")


# ---------------------------------------------------------------- the lenient second pass
def repairs():
    c = "repairs"
    write(c, "bare-ampersand-title", rss(rss_item(title="AT&T and Micron sign deal")), "a bare '&' in a title", title="AT&T and Micron sign deal")
    write(c, "bare-ampersand-link", rss(rss_item(link="https://news.example.com/a?x=1&y=2")), "a bare '&' in a link", link="https://news.example.com/a?x=1&y=2")
    write(c, "html-entity-title", rss(rss_item(title="Caf&eacute; talk: Rapidus&nbsp;&amp; IBM")), "undeclared HTML entities", title="Café talk: Rapidus & IBM")
    write(c, "html-entity-summary", rss(rss_item(summary="&ldquo;2nm&rdquo; &mdash; at last&hellip;")), "undeclared HTML entities in a description", summary="“2nm” — at last…")
    write(c, "unknown-entity-stays-text", rss(rss_item(title="Rapidus &bogus; IBM")), "an entity no one knows stays as text", title="Rapidus &bogus; IBM")
    write(c, "ampersand-before-hash", rss(rss_item(title="Item &# 5")), "'&#' that is no reference", title="Item &# 5")
    write(c, "mixed-bare-and-entities", rss(rss_item(title="R&D &amp; Caf&eacute; & more")), "bare '&', a declared and an undeclared entity together", title="R&D & Café & more")
    write(c, "entity-in-atom", atom(atom_entry(title="Rapidus&nbsp;ships")), "an undeclared entity in Atom", title="Rapidus ships")
    write(c, "copyright-entity", rss(rss_item(title="&copy; 2025 Micron")), "&copy;", title="© 2025 Micron")
    write(c, "uppercase-entity-name", rss(rss_item(title="&Eacute;lectronique &AMP; puces")), "entity names are case-sensitive: &AMP; is known to HTML", title="Électronique & puces")


def main():
    for entry in os.listdir(HERE):
        path = os.path.join(HERE, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
    formats(); dates(); namespaces(); encodings(); links(); xml_base(); content(); titles(); json_feeds(); structure(); repairs()
    print(f"{count} fixtures")


if __name__ == "__main__":
    main()
