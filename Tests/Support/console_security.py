"""The console's sign-in defences over plain HTTP (no browser needed): CSRF, cookies, throttling,
sign-out and key rotation. Run by Tests/EndToEndTests/ConsoleEndToEndTests.swift against the real
executables; exits non-zero, saying why, at the first failed expectation.
"""
import os

import requests
from http_support import expect, form_token

BASE = os.environ["CONSOLE_URL"]
EMAIL = os.environ["CONSOLE_EMAIL"]
PASSWORD = os.environ["CONSOLE_PASSWORD"]


def sign_in(email=EMAIL, password=PASSWORD):
    browser = requests.Session()
    login = browser.get(f"{BASE}/login")
    reply = browser.post(f"{BASE}/login", data={"csrf": form_token(login.text), "email": email, "password": password, "next": ""},
                         allow_redirects=False)
    return browser, reply


def main():
    # Headers every page sends.
    login = requests.get(f"{BASE}/login")
    policy = login.headers.get("Content-Security-Policy", "")
    expect("default-src 'self'" in policy and "frame-ancestors 'none'" in policy, f"a Content-Security-Policy is sent: {policy!r}")
    expect(login.headers.get("X-Content-Type-Options") == "nosniff", "nosniff is sent")

    # A sign-in form without its CSRF token is refused, and signs nobody in.
    anonymous = requests.post(f"{BASE}/login", data={"email": EMAIL, "password": PASSWORD}, allow_redirects=False)
    expect(anonymous.status_code == 403, f"a sign-in without a CSRF token is refused (got {anonymous.status_code})")
    expect("Set-Cookie" not in anonymous.headers or "examhall_session=" not in anonymous.headers["Set-Cookie"],
           "a refused sign-in sets no session cookie")

    browser, reply = sign_in()
    expect(reply.status_code == 303 and reply.headers["Location"] == "/calendar", f"sign-in lands on the calendar ({reply.status_code})")
    cookie = reply.headers["Set-Cookie"]
    expect("HttpOnly" in cookie and "SameSite=Lax" in cookie, f"the session cookie is HttpOnly and SameSite=Lax: {cookie}")
    expect(browser.get(f"{BASE}/calendar", allow_redirects=False).status_code == 200, "the calendar opens once signed in")

    # A form POSTed without the CSRF token (or with another's) changes nothing.
    bare = browser.post(f"{BASE}/locations/new", data={"name": "CSRF test", "address": "x", "timeZone": "UTC"}, allow_redirects=False)
    expect(bare.status_code == 403, f"a CSRF-less POST is refused (got {bare.status_code})")
    forged = browser.post(f"{BASE}/locations/new", data={"csrf": "forged", "name": "CSRF test", "address": "x", "timeZone": "UTC"},
                          allow_redirects=False)
    expect(forged.status_code == 403, f"a POST with a wrong CSRF token is refused (got {forged.status_code})")
    locations = browser.get(f"{BASE}/locations", params={"query": "CSRF test"}).text
    expect("No locations match" in locations, "a refused form created nothing")

    # A tampered or made-up cookie is nobody's.
    name, value = [part for part in cookie.split(";")][0].split("=", 1)
    tampered = requests.get(f"{BASE}/calendar", cookies={name: value[:-2] + ("AA" if not value.endswith("AA") else "BB")}, allow_redirects=False)
    expect(tampered.status_code == 303 and tampered.headers["Location"].startswith("/login"), "a tampered cookie is sent to sign in")

    # Key rotation: a new key signs, and the signed-in browser carries on (the services fetch the new key).
    account = browser.get(f"{BASE}/account").text
    rotated = browser.post(f"{BASE}/admin/signing-keys/rotate", data={"csrf": form_token(account)}, allow_redirects=False)
    expect(rotated.status_code == 303, f"an admin can rotate the signing key (got {rotated.status_code})")
    jwks = requests.get(f"{BASE}/.well-known/jwks.json").json()
    expect(len(jwks["keys"]) >= 2, "after rotation the previous key is still published")
    after = browser.get(f"{BASE}/calendar", allow_redirects=False)
    expect(after.status_code == 200, f"after rotation the calendar still opens (got {after.status_code})")

    # Sign-out ends the session on the server: the old cookie no longer works.
    out = browser.post(f"{BASE}/logout", data={"csrf": form_token(browser.get(f"{BASE}/calendar").text)}, allow_redirects=False)
    expect(out.status_code == 303, "sign-out redirects")
    replay = requests.get(f"{BASE}/calendar", cookies={name: value}, allow_redirects=False)
    expect(replay.status_code == 303, "a signed-out cookie is refused")

    # A proctor signs in to their own pages, and CSR pages are closed to them.
    proctor, landed = sign_in(os.environ["CONSOLE_PROCTOR_EMAIL"], os.environ["CONSOLE_PROCTOR_PASSWORD"])
    expect(landed.status_code == 303 and landed.headers["Location"] == "/proctor/sessions", f"a proctor lands on their sessions ({landed.headers.get('Location')})")
    for path in ("/calendar", "/sessions/new", "/locations"):
        closed = proctor.get(f"{BASE}{path}", allow_redirects=False)
        expect(closed.status_code == 403, f"a proctor cannot open {path} (got {closed.status_code})")
    posted = proctor.post(f"{BASE}/locations/new", data={"csrf": form_token(proctor.get(f"{BASE}/account").text), "name": "x", "address": "x",
                                                        "timeZone": "UTC"}, allow_redirects=False)
    expect(posted.status_code == 403, f"a proctor cannot add a location (got {posted.status_code})")

    # Throttling: after five wrong passwords the account waits, even with the right password.
    target = os.environ["CONSOLE_THROTTLE_EMAIL"]
    for attempt in range(5):
        _, wrong = sign_in(target, "wrong-password-%d" % attempt)
        expect(wrong.status_code == 401, f"a wrong password is refused (attempt {attempt + 1}: {wrong.status_code})")
    _, blocked = sign_in(target, os.environ["CONSOLE_THROTTLE_PASSWORD"])
    expect(blocked.status_code == 429 and "Too many failed attempts" in blocked.text, f"the sixth attempt is throttled (got {blocked.status_code})")
    print("console_security: ok")


if __name__ == "__main__":
    main()
