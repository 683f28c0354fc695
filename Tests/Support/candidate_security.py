"""The candidates' sign-in link and pages against misuse, over HTTP (requests): the same answer for
known and unknown emails, links that work once and expire, another candidate's booking out of reach,
forms without their token refused, and link requests throttled per email and per address.

Run by Tests/EndToEndTests/ConsoleEndToEndTests+Candidates.swift. Exits non-zero, saying why.
"""
import os
import time

import requests
from http_support import emailed_link, expect, form_token

BASE = os.environ["CONSOLE_URL"]
MAIL_DIR = os.environ["CONSOLE_MAIL_DIR"]
EMAIL = os.environ["CANDIDATE_EMAIL"]
EXPIRED = os.environ["EXPIRED_LINK"]
OTHER_BOOKING = os.environ["OTHER_BOOKING"]  # another candidate's booking
TAG = os.environ["CONSOLE_TAG"]



def ask(browser, address):
    login = browser.get(f"{BASE}/login")
    return browser.post(f"{BASE}/login/link", data={"csrf": form_token(login.text), "email": address, "language": "en"}, allow_redirects=False)


def main():
    # The same answer whether or not the email belongs to a candidate.
    browser = requests.Session()
    since = time.time() - 1
    known = ask(browser, EMAIL)
    unknown = ask(requests.Session(), f"nobody-{TAG}@example.org")
    expect(known.status_code == 200 and unknown.status_code == 200, f"both requests are answered alike: {known.status_code}, {unknown.status_code}")
    expect(known.text == unknown.text, "the page is the same for a known and an unknown email")

    # The emailed link works once.
    link = None
    deadline = time.time() + 30
    while link is None and time.time() < deadline:
        if any(os.path.getmtime(os.path.join(MAIL_DIR, n)) >= since for n in os.listdir(MAIL_DIR) if n.endswith(".eml")):
            link = emailed_link(MAIL_DIR, EMAIL, r"https?://\S+/login/link/\S+")
        time.sleep(0.2)
    expect(link, "the sign-in link was emailed")
    expect(not any(f"nobody-{TAG}" in open(os.path.join(MAIL_DIR, n), encoding="utf-8", errors="replace").read()
                   for n in os.listdir(MAIL_DIR) if n.endswith(".eml")), "nothing is sent to an unknown email")
    candidate = requests.Session()
    page = candidate.get(link)
    expect(page.status_code == 200, f"the link opens its page: {page.status_code}")
    forged = candidate.post(link, data={"csrf": "forged"}, allow_redirects=False)
    expect(forged.status_code == 403, f"the link's form needs its token: {forged.status_code}")
    signed_in = candidate.post(link, data={"csrf": form_token(page.text)}, allow_redirects=False)
    expect(signed_in.status_code == 303 and signed_in.headers["Location"] == "/me", f"the link signs in: {signed_in.status_code}")
    again = requests.Session()
    reused = again.get(link)
    expect(reused.status_code == 410 and "This link no longer works" in reused.text, f"a used link is refused: {reused.status_code}")
    expired = requests.get(f"{BASE}/login/link/{EXPIRED}")
    expect(expired.status_code == 410, f"an expired link is refused: {expired.status_code}")

    # Signed in, the candidate reaches their own pages and nobody else's booking.
    expect(candidate.get(f"{BASE}/me").status_code == 200, "the candidate's home page opens")
    for path in (f"/me/bookings/{OTHER_BOOKING}", f"/me/bookings/{OTHER_BOOKING}/calendar.ics", f"/me/bookings/{OTHER_BOOKING}/cancel",
                 f"/me/bookings/{OTHER_BOOKING}/reschedule"):
        reply = candidate.get(BASE + path, allow_redirects=False)
        expect(reply.status_code == 404, f"another candidate's booking is not found at {path}: {reply.status_code}")
    home = candidate.get(f"{BASE}/me")
    cancel = candidate.post(f"{BASE}/me/bookings/{OTHER_BOOKING}/cancel", data={"csrf": form_token(home.text)}, allow_redirects=False)
    expect(cancel.status_code == 404, f"another candidate's booking cannot be cancelled: {cancel.status_code}")
    tokenless = candidate.post(f"{BASE}/me/bookings/{OTHER_BOOKING}/cancel", data={}, allow_redirects=False)
    expect(tokenless.status_code == 403, f"a form without its token is refused: {tokenless.status_code}")
    staff = candidate.get(f"{BASE}/calendar", allow_redirects=False)
    expect(staff.status_code == 303, f"a candidate is kept out of staff pages: {staff.status_code}")

    # Link requests are throttled per email (five in 15 minutes)...
    statuses = [ask(requests.Session(), EMAIL).status_code for _ in range(5)]
    expect(statuses[:4] == [200] * 4 and statuses[4] == 429, f"the sixth request for one email waits: {statuses}")
    # ...and per address (twenty), whatever the emails.
    # Six requests so far counted for this address, so the fifteenth of these is the twenty-first.
    statuses = [ask(requests.Session(), f"someone-{i}-{TAG}@example.org").status_code for i in range(15)]
    expect(statuses[:14] == [200] * 14 and statuses[14] == 429, f"an address asking for many emails waits: {statuses}")
    print("candidate_security: ok")


if __name__ == "__main__":
    main()
