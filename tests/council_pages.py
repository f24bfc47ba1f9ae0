"""Realistic council web pages for the HTML loader's tests and its extractor comparison.

Each page is built from its plan content (headings, paragraphs, lists, tables) wrapped in the
clutter real council CMS pages carry, modelled on the junk removed from the stored pages behind
../shared/dev-corpus/ ("Skip to main content", "Toggle menu", cookie banners, breadcrumbs,
"In this section" menus, "Was this page helpful?" forms, "Share this page", "pdf icon PDF 245 KB"
link labels, footers). The councils are fictional.

Five CMS shapes: a LocalGov Drupal / GOV.UK-like page with <main>; a Jadu "web guide" split over
several pages (one per theme, like Manchester's); an Umbraco page without semantic elements whose
headings are bold paragraphs; a ModernGov decision page laid out with tables; a GOV.UK Frontend
accordion page (each theme in its own section) with an "On this page" contents list, related
documents and a contact box inside the main content.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field


@dataclass
class CouncilPage:
    name: str
    html: str
    headings: list[str]  # must come out as headings
    sentences: list[str]  # plan text that must be kept (paragraphs, list items, table rows' cells)
    items: list[str]  # list items (must come out as "- item" lines)
    clutter: list[str]  # text that must not be indexed
    title: str = ""
    date: str = ""
    site: str = ""
    rows: list[list[str]] = field(default_factory=list)


def esc(text: str) -> str:
    return _html.escape(text, quote=False)


def _body(blocks: list[tuple[str, object]], heading_tag: str = "h2") -> tuple[str, list[str], list[str], list[str], list]:
    """Plan content -> (html, headings, sentences, items, table rows)."""
    out, headings, sentences, items, rows = [], [], [], [], []
    for kind, value in blocks:
        if kind in ("h2", "h3"):
            tag = heading_tag if kind == "h2" else "h3"
            out.append(f"<{tag}>{esc(value)}</{tag}>")
            headings.append(value)
        elif kind == "bold-heading":  # Umbraco editors bold a paragraph instead of using a heading
            out.append(f"<p><strong>{esc(value)}</strong></p>")
            headings.append(value)
        elif kind == "p":
            out.append(f"<p>{esc(value)}</p>")
            sentences.append(value)
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>")
            items.extend(value)
            sentences.extend(value)
        elif kind == "table":
            header, *body = value
            out.append("<table class=\"table\"><thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in header)
                       + "</tr></thead><tbody>" + "".join(
                           "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body)
                       + "</tbody></table>")
            rows.extend(body)
    return "\n".join(out), headings, sentences, items, rows


COOKIE_TEXT = ("We use some essential cookies to make this website work. We'd like to set additional cookies "
               "to understand how you use the website and improve our services.")
FEEDBACK = ["Was this page helpful?", "How could we improve this page?",
            "Do not include any personal or financial information, like your National Insurance number."]


# --- 1. LocalGov Drupal / GOV.UK-like ------------------------------------------------------
NORTHBROOK = [
    ("p", "This is Northbrook District Council's response to the Minister's request for a Productivity Plan. "
          "It was agreed by Cabinet on 16 July 2024 and sent to the Department on 18 July 2024."),
    ("h2", "Transforming how we design and deliver services"),
    ("p", "Since 2018 we have shared a chief executive, a management team and five services with "
          "Greyhaven Borough Council, saving £1.9 million a year. The partnership covers revenues and benefits, "
          "legal services, internal audit, ICT and building control, and each council keeps its own elected "
          "members, budget and local priorities while the staff work as one team."),
    ("p", "Our service reviews start from what residents tell us. The following reviews are complete:"),
    ("ul", ["Waste collection rounds redesigned with route-planning software, saving £310,000 a year",
            "Housing options moved to a single triage team, halving repeat contacts",
            "Leisure centres transferred to a charitable trust in 2021"]),
    ("h2", "Using technology and data"),
    ("h3", "Our digital programme"),
    ("p", "Sixty-two per cent of council tax transactions are now made online, up from 41% in 2021. "
          "We will retire the last paper direct debit form in April 2025. Our customer contact data now tells us "
          "which forms residents abandon, and the three most abandoned forms were rewritten in 2023 with the "
          "residents' panel, cutting failure demand calls to the contact centre by a quarter."),
    ("table", [["Year", "Savings", "Main source"],
               ["2022/23", "£1.2m", "Shared waste contract"],
               ["2023/24", "£0.8m", "Digital customer service"]]),
    ("h2", "Reducing wasteful spend"),
    ("p", "Agency staff cost us £740,000 in 2023/24, mostly in planning. A grow-our-own planner "
          "apprenticeship starts in September 2024 to bring that figure down."),
    ("p", "We spend nothing on consultants for equality, diversity and inclusion work."),
    ("h2", "Barriers the Government could remove"),
    ("p", "One-year settlements stop us planning: a three-year settlement would let us commit to "
          "invest-to-save projects with paybacks longer than twelve months."),
    ("p", "Ring-fenced grants with separate bidding rounds cost us around 120 officer days a year."),
]


def northbrook() -> CouncilPage:
    body, headings, sentences, items, rows = _body(NORTHBROOK)
    clutter = ["Skip to main content", "Cookies on Northbrook District Council", COOKIE_TEXT,
               "Accept additional cookies", "Reject additional cookies", "Bins and recycling",
               "Planning and building control", "Budgets and spending", "In this section",
               "Statement of accounts", "Spending over £500", "Share this page", "Share on Facebook",
               "Share on LinkedIn", *FEEDBACK, "Accessibility statement", "Privacy notice",
               "Civic Centre, High Street, Northbrook NB1 1AA", "© Northbrook District Council 2024",
               "Follow us on social media"]
    page = f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Productivity Plan 2024 | Northbrook District Council</title>
<meta property="og:site_name" content="Northbrook District Council">
<meta property="og:title" content="Productivity Plan 2024">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-07-18T09:30:00+01:00">
<meta property="article:modified_time" content="2024-07-19T14:02:11+01:00">
<link rel="stylesheet" href="/themes/custom/northbrook/css/styles.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body class="path-node page-node-type-localgov-services-page">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div id="sliding-popup" class="cookie-banner" role="dialog" aria-label="Cookie consent">
  <div class="eu-cookie-compliance-content">
    <h2>Cookies on Northbrook District Council</h2>
    <p>{esc(COOKIE_TEXT)}</p>
    <button type="button" class="agree-button">Accept additional cookies</button>
    <button type="button" class="decline-button">Reject additional cookies</button>
    <a href="/cookies">View cookies</a>
  </div>
</div>
<header class="lgd-header" role="banner">
  <div class="lgd-container">
    <a href="/" rel="home" class="lgd-header__logo"><img src="/logo.svg" alt="Northbrook District Council logo"></a>
    <button class="lgd-header__toggle" aria-expanded="false">Menu</button>
    <nav class="lgd-header__nav" aria-label="Main navigation">
      <ul class="lgd-header__nav-list">
        <li><a href="/bins">Bins and recycling</a></li>
        <li><a href="/council-tax">Council tax</a></li>
        <li><a href="/planning">Planning and building control</a></li>
        <li><a href="/housing">Housing</a></li>
        <li><a href="/your-council">Your council</a></li>
      </ul>
    </nav>
    <form class="search-block-form" action="/search" method="get" role="search">
      <label for="edit-keys">Search this site</label><input id="edit-keys" name="keys" type="search">
      <button type="submit">Search</button>
    </form>
  </div>
</header>
<nav class="lgd-breadcrumb" aria-label="Breadcrumb">
  <ol>
    <li><a href="/">Home</a></li>
    <li><a href="/your-council">Your council</a></li>
    <li><a href="/your-council/budgets-and-spending">Budgets and spending</a></li>
    <li>Productivity Plan 2024</li>
  </ol>
</nav>
<div class="lgd-container lgd-row">
  <aside class="lgd-row__one-third lgd-sidebar">
    <nav aria-label="In this section" class="lgd-guide__nav">
      <h2>In this section</h2>
      <ul>
        <li><a href="/budget-2024-25">Budget 2024 to 2025</a></li>
        <li><a href="/statement-of-accounts">Statement of accounts</a></li>
        <li><a href="/spending-over-500">Spending over £500</a></li>
        <li><a href="/productivity-plan" aria-current="page">Productivity Plan 2024</a></li>
      </ul>
    </nav>
  </aside>
  <main id="main-content" class="lgd-row__two-thirds" role="main">
    <article class="localgov-services-page">
      <h1 class="lgd-page-title-block__title">Productivity Plan 2024</h1>
      <div class="lgd-page-title-block__subheader">Last updated: 19 July 2024</div>
      <div class="field--name-body">
{body}
      </div>
      <div class="social-share">
        <h2>Share this page</h2>
        <ul>
          <li><a href="https://facebook.com/sharer">Share on Facebook</a></li>
          <li><a href="https://x.com/intent">Share on X</a></li>
          <li><a href="https://linkedin.com/share">Share on LinkedIn</a></li>
        </ul>
      </div>
    </article>
    <section class="localgov-feedback">
      <form class="page-feedback-form" action="/feedback" method="post">
        <h2>{esc(FEEDBACK[0])}</h2>
        <button name="helpful" value="yes">Yes</button> <button name="helpful" value="no">No</button>
        <label for="fb">{esc(FEEDBACK[1])}</label>
        <textarea id="fb" name="comment"></textarea>
        <p class="hint">{esc(FEEDBACK[2])}</p>
        <button type="submit">Send feedback</button>
      </form>
    </section>
  </main>
</div>
<footer class="lgd-footer" role="contentinfo">
  <div class="lgd-footer__contact">
    <h2>Contact us</h2>
    <p>Northbrook District Council, Civic Centre, High Street, Northbrook NB1 1AA</p>
    <p>Telephone: 01632 960000</p>
  </div>
  <div class="lgd-footer__social"><h2>Follow us on social media</h2>
    <ul><li><a href="#">Facebook</a></li><li><a href="#">Instagram</a></li></ul></div>
  <ul class="lgd-footer__links">
    <li><a href="/accessibility">Accessibility statement</a></li>
    <li><a href="/privacy">Privacy notice</a></li>
    <li><a href="/cookies">Cookies</a></li>
    <li><a href="/contact">Contact us</a></li>
  </ul>
  <p class="copyright">© Northbrook District Council 2024</p>
</footer>
<script src="/core/misc/drupal.js"></script>
</body>
</html>
"""
    return CouncilPage("localgov-drupal", page, headings, sentences, items, clutter, title="Productivity Plan 2024",
                       date="2024-07-18", site="Northbrook District Council", rows=rows)


# --- 2. Jadu web guide, one page per theme --------------------------------------------------
CASTLEBRIDGE_THEMES = [
    ("Theme one: transformation of services", [
        ("p", "Castlebridge City Council has delivered £96 million of savings since 2015 while demand for "
              "adult social care grew by a fifth. Over the same period the number of full-time equivalent staff fell "
              "by 2,100, and we have protected spending on the services residents value most, such as libraries, "
              "parks and street cleaning, by redesigning them with partners and community groups."),
        ("p", "Our neighbourhood hubs bring housing, benefits and family support advice into six buildings, "
              "replacing fourteen older offices."),
        ("ul", ["Early help for families reduced children entering care by 11%",
                "A reablement service returns four in five people home without ongoing care"]),
    ]),
    ("Theme two: technology and data", [
        ("p", "We will replace our three separate customer systems with one case management platform by "
              "March 2026. Residents currently give the same details up to four times when they report a problem, "
              "apply for help and follow up, and the new platform will give every contact one record that staff "
              "in every service can see."),
        ("p", "A shared data warehouse with the integrated care board lets social workers see hospital "
              "discharge dates a week earlier than before."),
    ]),
    ("Theme three: reducing wasteful spend", [
        ("p", "Spending on management consultants fell from £2.3 million in 2021/22 to £0.4 million in 2023/24, "
              "because we built our own programme management office and now only buy in specialist advice that "
              "we cannot sensibly keep on the payroll, such as treasury and actuarial work."),
        ("p", "Every agency placement longer than twelve weeks now needs a director's approval."),
    ]),
    ("Theme four: barriers to progress", [
        ("p", "The biggest barrier is the uncertainty of annual funding settlements, which forces us to hold "
              "reserves instead of investing them. A multi-year settlement, with certainty over the business rates "
              "reset and the future of the New Homes Bonus, would let us plan savings over three years rather than "
              "finding them afresh every February."),
        ("p", "We ask the Government to end competitive bidding for small pots of capital funding."),
    ]),
]


def castlebridge(n: int) -> CouncilPage:
    """Page n (1-4) of the Castlebridge web guide."""
    heading, blocks = CASTLEBRIDGE_THEMES[n - 1]
    body, headings, sentences, items, rows = _body([("h2", heading)] + blocks)
    current = ' class="current"'
    guide = "".join(
        f'<li{current if i == n else ""}><a href="/info/200/productivity_plan/{i}">{i}. {esc(h)}</a></li>'
        for i, (h, _) in enumerate(CASTLEBRIDGE_THEMES, start=1))
    nav_links = []
    if n > 1:
        nav_links.append(f'<a class="prev" href="/info/200/productivity_plan/{n - 1}">Previous page</a>')
    if n < len(CASTLEBRIDGE_THEMES):
        nav_links.append(f'<a class="next" href="/info/200/productivity_plan/{n + 1}">Next page</a>')
    clutter = ["Toggle menu", "Skip to main content", "The Council and democracy", "Council policies and strategies",
               "Previous page", "Next page", "Print this guide", "Back to top", "Sign up for email updates",
               "Our bin collections change over the Christmas period", "Castlebridge City Council, Town Hall, PO Box 10",
               "Disclaimer", "Site map", "Jobs and careers", "In this guide", *FEEDBACK[:2]]
    if n < len(CASTLEBRIDGE_THEMES):
        clutter.append(f"Next: {CASTLEBRIDGE_THEMES[n][0]}")
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Productivity plan 2024 - {esc(heading)} | Castlebridge City Council</title>
<meta name="DC.title" content="Productivity plan 2024">
<meta name="DC.publisher" content="Castlebridge City Council">
<meta name="DC.date.issued" content="2024-07-15">
<meta name="keywords" content="productivity, plan, council, budget">
<link rel="stylesheet" href="/site/styles/generic/base.css">
</head>
<body>
<div id="skip"><a href="#content">Skip to main content</a></div>
<div class="alert-banner"><p>Our bin collections change over the Christmas period. <a href="/bins">Check your new day</a>.</p></div>
<div id="header">
  <div class="logo"><a href="/"><img src="/images/logo.png" alt="Castlebridge City Council"></a></div>
  <button class="menu-toggle">Toggle menu</button>
  <ul id="mainnav">
    <li><a href="/info/100/bins_and_recycling">Bins and recycling</a></li>
    <li><a href="/info/200/the_council_and_democracy">The Council and democracy</a></li>
    <li><a href="/info/300/jobs">Jobs and careers</a></li>
  </ul>
</div>
<div id="breadcrumb"><p><a href="/">Home</a> &gt; <a href="/info/200">The Council and democracy</a> &gt;
<a href="/info/500002">Council policies and strategies</a> &gt; Productivity plan 2024</p></div>
<div id="content">
  <h1>Productivity plan 2024</h1>
  <div class="guide-nav">
    <h2>In this guide</h2>
    <ol>{guide}</ol>
  </div>
  <div class="editor">
{body}
  </div>
  <div class="guide-pagination">{''.join(nav_links)}
    {f'<p class="next-title">Next: {esc(CASTLEBRIDGE_THEMES[n][0])}</p>' if n < len(CASTLEBRIDGE_THEMES) else ''}
    <a href="/print/200">Print this guide</a></div>
  <div id="rating"><form action="/rate"><fieldset><legend>{esc(FEEDBACK[0])}</legend>
    <input type="radio" name="r" value="y"> Yes <input type="radio" name="r" value="n"> No
    <label>{esc(FEEDBACK[1])}</label><textarea></textarea><input type="submit" value="Send"></fieldset></form></div>
  <p class="backtotop"><a href="#top">Back to top</a></p>
</div>
<div id="footer">
  <div class="newsletter"><a href="/subscribe">Sign up for email updates</a></div>
  <p>Castlebridge City Council, Town Hall, PO Box 10, Castlebridge CB1 2ZZ</p>
  <ul><li><a href="/disclaimer">Disclaimer</a></li><li><a href="/sitemap">Site map</a></li>
  <li><a href="/accessibility">Accessibility</a></li></ul>
</div>
</body>
</html>
"""
    return CouncilPage(f"jadu-guide-{n}", page, headings, sentences, items, clutter,
                       title="Productivity plan 2024", date="2024-07-15", site="Castlebridge City Council", rows=rows)


# --- 3. Umbraco, div soup, bold paragraphs as headings ---------------------------------------
EASTMOOR = [
    ("bold-heading", "About our place"),
    ("p", "The Eastmoor district has 212,400 residents and the fastest-growing logistics sector in the region."),
    ("p", "Average earnings in Eastmoor are 8% below the national figure, and one child in four lives in a "
          "low-income household."),
    ("bold-heading", "About our council"),
    ("p", "Our Future Eastmoor programme must close a budget gap of £14.6 million by 2026/27. Every directorate "
          "has a share of the target, and the programme board, chaired by the chief executive, reviews progress "
          "each month against savings, service performance and what residents tell us."),
    ("p", "Council-wide, we have reduced office space by 40% and moved 70% of staff to hybrid working."),
    ("bold-heading", "How we will use technology"),
    ("p", "Robotic process automation now handles 9,000 housing benefit changes a year that staff used to key by hand."),
]


def eastmoor() -> CouncilPage:
    body, headings, sentences, items, rows = _body(EASTMOOR)
    clutter = ["Toggle menu", "Skip to content", "This site uses cookies to store information on your computer.",
               "I'm fine with this", "Cookie settings", "Document with pen", "Report it", "Pay for it", "Apply for it",
               "Budget and spending", "About the council", *FEEDBACK[:1], "Yes, it was helpful", "No, it was not",
               "Eastmoor Metropolitan District Council, Civic House", "Find us on Facebook",
               "Copyright 2024 Eastmoor Council"]
    page = f"""<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Productivity Plan - Eastmoor Council</title>
<meta name="description" content="Our Productivity Plan for the Ministry, July 2024.">
<meta property="og:title" content="Productivity Plan">
<meta property="og:site_name" content="Eastmoor Metropolitan District Council">
<meta name="dc.date" content="2024-07-12">
</head>
<body>
<div class="skip"><a href="#maincontent">Skip to content</a></div>
<div id="ccc" class="ccc-notify"><div class="ccc-notify-text"><p>This site uses cookies to store information on your computer.</p></div>
<div class="ccc-buttons"><button>I'm fine with this</button><button>Cookie settings</button></div></div>
<div class="navbar"><div class="container"><a class="brand" href="/">Eastmoor Council</a>
<button class="navbar-toggle" type="button">Toggle menu</button>
<div class="navbar-collapse"><div class="nav-item"><a href="/report">Report it</a></div>
<div class="nav-item"><a href="/pay">Pay for it</a></div><div class="nav-item"><a href="/apply">Apply for it</a></div></div></div></div>
<div class="breadcrumbs"><span><a href="/">Home</a></span> / <span><a href="/about-the-council">About the council</a></span> /
<span><a href="/about-the-council/budget-and-spending">Budget and spending</a></span> / <span>Productivity Plan</span></div>
<div class="container page-container" id="maincontent">
  <div class="row">
    <div class="col-md-8">
      <div class="page-header"><h1>Productivity Plan</h1></div>
      <div class="hero-image"><img src="/media/pen.jpg" alt="Document with pen"></div>
      <div class="rte">
{body}
      </div>
    </div>
    <div class="col-md-4 sidebar"><div class="related"><h3>Related pages</h3>
      <div><a href="/about-the-council/budget-and-spending">Budget and spending</a></div>
      <div><a href="/about-the-council">About the council</a></div></div></div>
  </div>
  <div class="page-rating"><p>{esc(FEEDBACK[0])}</p><a href="?r=1">Yes, it was helpful</a> <a href="?r=0">No, it was not</a></div>
</div>
<div class="footer"><div class="container">
<p>Eastmoor Metropolitan District Council, Civic House, Market Street, Eastmoor EM1 1EM</p>
<p><a href="https://facebook.com/eastmoor">Find us on Facebook</a></p>
<p>Copyright 2024 Eastmoor Council</p></div></div>
</body>
</html>
"""
    return CouncilPage("umbraco", page, headings, sentences, items, clutter, title="Productivity Plan",
                       date="2024-07-12", site="Eastmoor Metropolitan District Council", rows=rows)


# --- 4. ModernGov decision page --------------------------------------------------------------
KINGSMERE = [
    ("p", "The Cabinet considered the Council's Productivity Plan, which the Department asked every council "
          "to return by 19 July 2024."),
    ("p", "Members noted that the plan sets out savings of £3.1 million from the joint waste partnership and "
          "the move of customer contact online. Members asked how the plan would be monitored, and the Director of "
          "Finance replied that progress would be reported to the Overview and Scrutiny Committee twice a year "
          "alongside the medium term financial strategy."),
    ("p", "The Leader said the Council's main barrier was the Internal Drainage Board levy, which had risen by "
          "a third in two years."),
]


def kingsmere() -> CouncilPage:
    body, headings, sentences, items, rows = _body(KINGSMERE)
    decision = "That the Productivity Plan at Appendix 1 be approved for submission to the Department."
    sentences = sentences + [decision]
    headings = ["Decision:"]
    clutter = ["Skip to main content", "Councillors and committees", "Browse meetings", "pdf icon PDF 245 KB",
               "pdf icon PDF 1 MB", "Issue history",
               "Powered by ModernGov", "Kingsmere Borough Council, Council Offices, Kingsmere KM1 1AA",
               "Search meetings", "Site search"]
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Issue - items at meetings - Productivity Plan - Kingsmere Borough Council</title>
<meta name="DC.publisher" content="Kingsmere Borough Council" />
<meta name="DC.date.created" content="2024-07-08" />
</head>
<body>
<div id="mgHeader"><a href="#mgSkipLink" class="mgSkipLink">Skip to main content</a>
<table class="mgHeaderTable"><tr><td><img src="/logo.gif" alt="Kingsmere Borough Council" /></td>
<td><form action="/mgSearch.aspx"><label for="q">Site search</label><input id="q" /><input type="submit" value="Search" /></form></td></tr></table>
<ul class="mgMainNav"><li><a href="/mgMemberIndex.aspx">Councillors and committees</a></li>
<li><a href="/mgCalendarMonthView.aspx">Browse meetings</a></li><li><a href="/mgSearch.aspx">Search meetings</a></li></ul></div>
<div id="mgBreadcrumbs"><ul class="mgBreadCrumbs"><li><a href="/">Home</a></li><li><a href="/mgMemberIndex.aspx">Councillors and committees</a></li>
<li>Issue</li></ul></div>
<table width="100%" class="mgLayout"><tr><td class="mgSideCol">
<ul class="mgSideNav"><li><a href="/ieIssueDetails.aspx?history=1">Issue history</a></li></ul></td>
<td class="mgMainCol"><a id="mgSkipLink"></a>
<div class="mgContent">
<h1 class="mgMainTitleTxt">Issue - items at meetings - Productivity Plan</h1>
<h2 class="mgSubTitleTxt">Meeting of Cabinet, Monday 8th July, 2024 7.30 pm</h2>
{body}
<ul class="mgBulletList"><li><a href="/documents/s1234/Report.pdf">Productivity Plan report, item 7.  <span class="mgFileSize">pdf icon PDF 245 KB</span></a></li>
<li><a href="/documents/s1235/Appendix1.pdf">Appendix 1 - Productivity Plan.  <span class="mgFileSize">pdf icon PDF 1 MB</span></a></li></ul>
<h3 class="mgSubSubTitleTxt">Decision:</h3>
<p>{esc(decision)}</p>
</div></td></tr></table>
<div id="mgFooter"><p>Kingsmere Borough Council, Council Offices, Kingsmere KM1 1AA</p><p class="mgFooterLink">Powered by ModernGov</p></div>
</body>
</html>
"""
    return CouncilPage("moderngov", page, headings, sentences, items, clutter,
                       title="Issue - items at meetings - Productivity Plan - Kingsmere Borough Council",
                       date="2024-07-08", site="Kingsmere Borough Council", rows=rows)


# --- 5. GOV.UK Frontend accordion, clutter inside <main> ----------------------------------
WESTFOLD = [
    ("Theme 1: how we have transformed services", [
        ("p", "Westfold Borough Council runs its waste, parking and grounds maintenance through a company it wholly "
              "owns, which returned a surplus of £640,000 to the council in 2023/24."),
        ("p", "We closed two of our three customer service centres after 85% of contacts moved to the website and "
              "the telephone, and reinvested part of the saving in face-to-face help at the library."),
    ]),
    ("Theme 2: technology and data", [
        ("p", "All planning applications are now handled in one cloud system shared with two neighbouring councils, "
              "which cut the time to validate an application from nine days to three."),
    ]),
    ("Theme 3: wasteful spend", [
        ("p", "We have no consultants working on equality, diversity and inclusion, and our agency spend fell by "
              "38% after we introduced a market supplement for environmental health officers."),
    ]),
    ("Theme 4: barriers", [
        ("p", "Temporary accommodation costs have risen fourfold since 2019 because the housing benefit subsidy is "
              "still capped at 2011 rent levels, and the cap should be updated every year."),
    ]),
]


def westfold() -> CouncilPage:
    headings, sentences, items, rows, sections = [], [], [], [], []
    for i, (heading, blocks) in enumerate(WESTFOLD, start=1):
        body, _, sent, its, rws = _body(blocks)
        headings.append(heading)
        sentences += sent
        items += its
        rows += rws
        sections.append(f"""<div class="govuk-accordion__section">
  <div class="govuk-accordion__section-header"><h2 class="govuk-accordion__section-heading">
    <span class="govuk-accordion__section-button" id="accordion-heading-{i}">{esc(heading)}</span></h2></div>
  <div id="accordion-content-{i}" class="govuk-accordion__section-content">
{body}
  </div>
</div>""")
    contents = "".join(f'<li><a href="#accordion-heading-{i}">{esc(h)}</a></li>' for i, (h, _) in enumerate(WESTFOLD, 1))
    clutter = ["Skip to main content", "Accept analytics cookies", "Reject analytics cookies",
               "We'd like to use analytics cookies so we can understand how you use the website",
               "Show all sections", "On this page", "Related documents", "Productivity Plan 2024 (PDF, 412 KB)",
               "Medium term financial strategy (PDF, 1.1 MB)", "Contact the finance team",
               "finance@westfold.gov.uk", "Is this page useful?", "Report a problem with this page",
               "Westfold Borough Council, Westfold House", "Council tax and benefits"]
    page = f"""<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>Our Productivity Plan - Westfold Borough Council</title>
<meta name="dcterms.publisher" content="Westfold Borough Council">
<meta name="dcterms.issued" content="2024-07-17">
</head>
<body class="govuk-template__body">
<div class="govuk-cookie-banner" data-nosnippet role="region" aria-label="Cookies on Westfold Borough Council">
  <div class="govuk-cookie-banner__message"><h2 class="govuk-cookie-banner__heading">Cookies on Westfold Borough Council</h2>
  <p>We'd like to use analytics cookies so we can understand how you use the website and make improvements.</p>
  <button value="accept">Accept analytics cookies</button><button value="reject">Reject analytics cookies</button></div>
</div>
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<header class="govuk-header"><div class="govuk-header__container"><a href="/" class="govuk-header__link">Westfold Borough Council</a>
<ul class="govuk-header__navigation-list"><li><a href="/council-tax">Council tax and benefits</a></li><li><a href="/waste">Waste</a></li></ul></div></header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content" role="main">
  <h1 class="govuk-heading-xl">Our Productivity Plan</h1>
  <p class="govuk-body-l">Our plan answers the four questions the Minister asked every council in April 2024.</p>
  <div class="contents-list"><h2 class="govuk-heading-s">On this page</h2><ol>{contents}</ol></div>
  <div class="govuk-accordion" data-module="govuk-accordion" id="accordion-plan">
    <div class="govuk-accordion__controls"><span class="govuk-accordion__show-all-text">Show all sections</span></div>
{''.join(sections)}
  </div>
  <div class="documents"><h2 class="govuk-heading-m">Related documents</h2>
    <ul class="govuk-list"><li><a href="/media/1234/download">Productivity Plan 2024 (PDF, 412 KB)</a></li>
    <li><a href="/media/1200/download">Medium term financial strategy (PDF, 1.1 MB)</a></li></ul></div>
  <div class="contact-box"><h2 class="govuk-heading-m">Contact the finance team</h2>
    <p>Email: <a href="mailto:finance@westfold.gov.uk">finance@westfold.gov.uk</a></p></div>
  <div class="govuk-!-margin-top-8"><h2 class="govuk-heading-s">Is this page useful?</h2>
    <a href="/survey?useful=yes">Yes</a> <a href="/survey?useful=no">No</a>
    <a href="/report-a-problem">Report a problem with this page</a></div>
</main>
</div>
<div class="govuk-footer-wrapper"><p>Westfold Borough Council, Westfold House, Westfold WF1 1WF</p></div>
</body>
</html>
"""
    sentences = ["Our plan answers the four questions the Minister asked every council in April 2024."] + sentences
    return CouncilPage("govuk-accordion", page, headings, sentences, items, clutter, title="Our Productivity Plan",
                       date="2024-07-17", site="Westfold Borough Council", rows=rows)


def all_pages() -> list[CouncilPage]:
    return [northbrook(), *(castlebridge(n) for n in range(1, 5)), eastmoor(), kingsmere(), westfold()]
