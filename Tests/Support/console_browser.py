"""The console in a real browser: headless Chromium driven by Selenium, every page checked with axe-core.

Run by Tests/EndToEndTests/ConsoleEndToEndTests.swift, which starts the real executables and prepares
exams through the APIs. Settings come from the environment (see `setting`). Exits non-zero, saying
why, at the first thing that is not as a CSR would expect.
"""
import os
import sys
from urllib.parse import urlencode

from browser_support import Failure, Visit, browser, expect, is_stale, set_value, setting, staff_sign_in, submit
from http_support import emailed_link
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


BASE = setting("CONSOLE_URL")
EMAIL = setting("CONSOLE_EMAIL")
PASSWORD = setting("CONSOLE_PASSWORD")
EXAMS = setting("CONSOLE_EXAMS").split(",")
DAY = setting("CONSOLE_DAY")  # yyyy-mm-dd, in the future
TAG = setting("CONSOLE_TAG")  # makes names unique per run
SHOTS = setting("CONSOLE_SCREENSHOTS")
PROCTOR = setting("CONSOLE_PROCTOR")  # a proctor in the registry
TRANSFER_FROM = setting("CONSOLE_TRANSFER_FROM")  # a session with one confirmed booking
TRANSFER_TO = setting("CONSOLE_TRANSFER_TO")  # the name of another session of the same exam
ATTEMPT = setting("CONSOLE_ATTEMPT")  # a finished attempt waiting for a verdict
ATTEMPT_CANDIDATE = setting("CONSOLE_ATTEMPT_CANDIDATE")
VOID_ATTEMPT = setting("CONSOLE_VOID_ATTEMPT")  # a booked attempt that must not count
MAIL_DIR = setting("CONSOLE_MAIL_DIR")  # where the console writes the emails it sends


def invitation_link(address):
    """The one-time link in the newest invitation emailed to `address`."""
    link = emailed_link(MAIL_DIR, address, r"https?://\S+/password/\S+")
    expect(link, f"an invitation was emailed to {address}")
    return link


def invite(driver, visit, name, address, role, shot):
    driver.get(BASE + "/admin/accounts/new")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "email").send_keys(address)
    driver.find_element(By.ID, f"role-{role}").click()
    if shot:
        visit.check("invite")
    submit(driver, "form[action='/admin/accounts/new'] button[type=submit]")
    expect("Invitation sent." in driver.page_source, f"{name} is invited")
    expect(address in driver.page_source and "Invited, no password yet" in driver.page_source, f"{name} is listed as invited")


def accept(driver, visit, address, password, shot):
    """Opens the emailed link, chooses a password (a mistyped confirmation first), then signs in."""
    driver.get(invitation_link(address))
    expect(visit.h1() == "Choose your password", "the emailed link opens the password page")
    if shot:
        visit.check("password")
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "confirmation").send_keys(password + "x")
    submit(driver, "form[action^='/password/'] button[type=submit]")
    expect(driver.find_element(By.ID, "confirmation-error").text.endswith("Enter the same password twice"), "a mistyped confirmation is explained")
    if shot:
        visit.check("password-error")
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "confirmation").send_keys(password)
    submit(driver, "form[action^='/password/'] button[type=submit]")
    expect("Your password is saved" in driver.page_source, "the password is saved")
    staff_sign_in(driver, address, password)


def main():
    driver = browser()
    visit = Visit(driver, SHOTS, "staff")
    wait = WebDriverWait(driver, 15)
    try:
        # Sign in: a wrong password first, then the right one.
        driver.get(BASE + "/login")
        visit.check("login")
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.NAME, "password").send_keys("not-the-password")
        submit(driver, "form[action='/login'] button")
        expect("Enter a correct email address and password" in driver.page_source, "a wrong password is explained")
        visit.check("login-error")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        submit(driver, "form[action='/login'] button")
        wait.until(lambda d: d.current_url.startswith(BASE + "/calendar"))
        expect(visit.h1() == "Calendar", "after sign-in the calendar shows")
        visit.check("calendar")

        # A location: an empty form is explained beside each field, then the filled one is saved.
        driver.get(BASE + "/locations/new")
        visit.check("location-form")
        submit(driver, "form[action='/locations/new'] button")
        expect(driver.find_elements(By.CSS_SELECTOR, ".error-summary"), "an empty location form shows an error summary")
        expect(driver.find_element(By.ID, "name-error").text.endswith("Enter the location's name"), "the name's message is beside it")
        visit.check("location-form-errors")
        location = f"Test Centre {TAG}"
        driver.find_element(By.ID, "name").send_keys(location)
        driver.find_element(By.ID, "address").send_keys("12 Rue de la Paix, Paris")
        Select(driver.find_element(By.ID, "timeZone")).select_by_value("Europe/Paris")
        submit(driver, "form[action='/locations/new'] button")
        wait.until(lambda d: "/locations?" in d.current_url and "created=" in d.current_url)
        expect(location in driver.page_source, "the new location is listed")
        visit.check("locations")

        # A public session, then on the calendar that day.
        driver.get(BASE + "/sessions/new")
        visit.check("session-form")
        expect(driver.find_element(By.ID, "capacity").is_displayed(), "a public session asks for its capacity")
        public_name = f"Morning sitting {TAG}"
        driver.find_element(By.ID, "name").send_keys(public_name)
        Select(driver.find_element(By.ID, "locationId")).select_by_visible_text(f"{location} (Europe/Paris)")
        driver.find_element(By.ID, f"exam-{EXAMS[0]}").click()
        set_value(driver, "start", f"{DAY}T09:00")
        set_value(driver, "end", f"{DAY}T12:00")
        capacity = driver.find_element(By.ID, "capacity")
        capacity.clear()
        capacity.send_keys("0")
        submit(driver, "form.session-form button[type=submit]")
        # The service's refusal comes back beside the field, with what was typed kept.
        expect(driver.find_elements(By.ID, "capacity-error"), "a capacity of 0 is refused beside the field")
        expect(driver.find_element(By.ID, "name").get_attribute("value") == public_name, "what was typed is kept")
        visit.check("session-form-errors")
        capacity = driver.find_element(By.ID, "capacity")
        capacity.clear()
        capacity.send_keys("20")
        submit(driver, "form.session-form button[type=submit]")
        wait.until(lambda d: "done=created" in d.current_url)
        expect(visit.h1() == public_name, "the new session's page shows")
        expect("Saturday" in driver.page_source or "day" in driver.page_source, "the time is written out")
        expect("(Europe/Paris, UTC+1)" in driver.page_source, "times show the location's zone and offset")
        visit.check("session")

        # Changed later: every setting comes back filled in, and the new capacity is saved.
        driver.find_element(By.LINK_TEXT, "Change the session").click()
        wait.until(lambda d: d.current_url.endswith("/edit"))
        expect(driver.find_element(By.ID, "start").get_attribute("value") == f"{DAY}T09:00", "the start is shown on the location's clock")
        visit.check("session-edit")
        capacity = driver.find_element(By.ID, "capacity")
        capacity.clear()
        capacity.send_keys("25")
        submit(driver, "form.session-form button[type=submit]")
        expect("Changes saved" in driver.page_source and "0 of 25 booked, 25 left" in driver.page_source, "the change is saved")
        history = driver.find_element(By.ID, "history").find_element(By.XPATH, "following-sibling::div[1]").text
        expect("capacity: 20 → 25" in history and "Created" in history, f"the session's history shows the change: {history}")

        driver.get(f"{BASE}/calendar?scope=day&day={DAY}")
        expect(driver.find_elements(By.LINK_TEXT, public_name), "the public session is on the calendar that day")
        card = driver.find_element(By.LINK_TEXT, public_name).find_element(By.XPATH, "./ancestor::li")
        expect("0 of 25 booked, 25 left" in card.text, f"the calendar shows the seats: {card.text}")
        expect("09:00–12:00 (Europe/Paris, UTC+1)" in card.text, f"the calendar shows local time: {card.text}")
        visit.check("calendar-day")

        # A private common session: the public-only settings are hidden, not refused after the fact.
        driver.get(BASE + "/sessions/new")
        driver.find_element(By.ID, "kind-common").click()
        expect(not driver.find_element(By.ID, "capacity").is_displayed(), "a private session hides the capacity")
        private_name = f"Private sitting {TAG}"
        driver.find_element(By.ID, "name").send_keys(private_name)
        Select(driver.find_element(By.ID, "locationId")).select_by_visible_text(f"{location} (Europe/Paris)")
        for exam in EXAMS:
            driver.find_element(By.ID, f"exam-{exam}").click()
        set_value(driver, "start", f"{DAY}T14:00")
        set_value(driver, "end", f"{DAY}T17:00")
        submit(driver, "form.session-form button[type=submit]")
        wait.until(lambda d: "done=created" in d.current_url)
        expect("Private, common" in driver.page_source, "the private common session is created as such")
        visit.check("private-session")
        private_url = driver.current_url.split("?")[0]

        # Two candidates' Open authorizations, for two exams, assigned to it after a search by name.
        for surname in (f"Curie-{TAG}", f"Turing-{TAG}"):
            search = driver.find_element(By.ID, "query")
            search.clear()
            search.send_keys(surname)
            submit(driver, "form.inline-form button[type=submit]")
            buttons = driver.find_elements(By.XPATH, f"//ul[@class='results']//li[contains(., '{surname}')]//button")
            expect(len(buttons) == 1, f"the search finds {surname}'s Open authorization, assignable here")
            visit.check(f"assign-search-{surname.split('-')[0].lower()}")
            page = driver.find_element(By.TAG_NAME, "html")
            buttons[0].click()
            WebDriverWait(driver, 15).until(lambda d: is_stale(page))
            expect("Authorization assigned" in driver.page_source, f"{surname}'s authorization is assigned")
            roster = driver.find_element(By.ID, "roster").find_element(By.XPATH, "following-sibling::div[1]").text
            expect(surname in roster and "Confirmed" in roster, f"{surname} is on the roster, confirmed: {roster}")

        # Two candidates need a proctor: understaffed until one is assigned.
        expect(driver.find_elements(By.XPATH, "//h2[@id='proctors']/following-sibling::p[1]/span[contains(., 'Understaffed')]"),
               "the session is marked understaffed")
        Select(driver.find_element(By.ID, "proctorId")).select_by_visible_text(f"{PROCTOR} (paula-{TAG}@example.org)")
        submit(driver, "form[action$='/proctors'] button[type=submit]")
        expect("Proctor assigned" in driver.page_source, "the proctor is assigned")
        expect(PROCTOR in driver.find_element(By.CSS_SELECTOR, ".proctor-list").text, "the proctor is listed")
        expect(not driver.find_elements(By.XPATH, "//h2[@id='proctors']/following-sibling::p[1]/span[contains(., 'Understaffed')]"),
               "the understaffed mark is gone")
        visit.check("private-session-staffed")

        # Both show as Assigned on the authorizations page.
        driver.get(f"{BASE}/authorizations?query={TAG}&status=assigned")
        rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        texts = " ".join(row.text for row in rows)
        expect(f"Curie-{TAG}" in texts and f"Turing-{TAG}" in texts and texts.count("Assigned") >= 2,
               f"both authorizations are Assigned: {texts}")
        visit.check("authorizations")
        driver.find_element(By.PARTIAL_LINK_TEXT, f"Curie-{TAG}").click()
        WebDriverWait(driver, 15).until(lambda d: "/authorizations/" in d.current_url)
        expect("Open → Assigned" in driver.page_source, "the authorization's history shows it was assigned")
        visit.check("authorization")

        # A booking transferred to another session of its exam.
        driver.get(f"{BASE}/sessions/{TRANSFER_FROM}")
        driver.find_element(By.PARTIAL_LINK_TEXT, "Transfer").click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/transfer"))
        visit.check("transfer")
        select = Select(driver.find_element(By.ID, "sessionId"))
        target = [option.text for option in select.options if option.text.startswith(TRANSFER_TO)]
        expect(target, f"the other session is offered: {[o.text for o in select.options]}")
        select.select_by_visible_text(target[0])
        submit(driver, "form[action$='/transfer'] button[type=submit]")
        expect("Booking transferred" in driver.page_source and visit.h1() == TRANSFER_TO, "the booking now sits in the other session")
        expect(f"{TAG}-ada" in driver.find_element(By.ID, "roster").find_element(By.XPATH, "following-sibling::div[1]").text,
               "the candidate is on the other session's roster")
        visit.check("transferred")

        # An attempt verified: chosen, confirmed on a page of its own, then gone from the queue.
        driver.get(f"{BASE}/verification")
        visit.check("verification")
        expect(driver.find_elements(By.PARTIAL_LINK_TEXT, ATTEMPT_CANDIDATE), "the finished attempt waits in the queue")
        driver.get(f"{BASE}/verification/{ATTEMPT}")
        expect("81 of 100, passed" in driver.page_source, "the attempt shows its score")
        visit.check("attempt")
        driver.find_element(By.ID, "verdict-positive").click()
        driver.find_element(By.ID, "comment").send_keys("Report reviewed, nothing to add")
        submit(driver, "form[action$='/confirm'] button[type=submit]")
        expect(visit.h1() == "Give a positive verdict?", "a verdict asks for confirmation")
        visit.check("verdict-confirm")
        submit(driver, "form[action$='/verdict'] button[type=submit]")
        expect("Verdict recorded" in driver.page_source, "the verdict is recorded")
        expect(not driver.find_elements(By.PARTIAL_LINK_TEXT, ATTEMPT_CANDIDATE), "the attempt has left the queue")

        # Another attempt does not count: voided on a page of its own, with a reason (none first).
        driver.get(f"{BASE}/verification/{VOID_ATTEMPT}")
        driver.find_element(By.LINK_TEXT, "Void this attempt").click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/void"))
        expect(visit.h1().startswith("Void the attempt of"), "voiding asks first, on a page of its own")
        visit.check("attempt-void")
        submit(driver, "form[action$='/void'] button[type=submit]")
        expect(driver.find_element(By.ID, "reason-error").text.endswith("Say why the attempt does not count"), "a voiding needs its reason")
        driver.find_element(By.ID, "reason").send_keys("Fire alarm: the room was evacuated")
        submit(driver, "form[action$='/void'] button[type=submit]")
        expect("Attempt voided." in driver.page_source and "Voided" in driver.page_source, "the attempt is voided")
        expect(not driver.find_elements(By.LINK_TEXT, "Void this attempt"), "a voided attempt cannot be voided again")

        driver.get(f"{BASE}/calendar?scope=week&day={DAY}")
        expect(driver.find_elements(By.LINK_TEXT, private_name), "the private session is on the week's calendar")
        card = driver.find_element(By.LINK_TEXT, private_name).find_element(By.XPATH, "./ancestor::li")
        expect("2 assigned" in card.text and "1 of 1 proctors" in card.text and "Understaffed" not in card.text,
               f"the calendar shows the private session staffed: {card.text}")
        visit.check("calendar-week")

        # The catalog: an exam added (a missing duration explained first), and the proctor registry.
        driver.get(BASE + "/exams")
        visit.check("exams")
        code = f"BRW-{TAG}".upper()
        driver.find_element(By.ID, "code").send_keys(code)
        driver.find_element(By.ID, "title").send_keys("Browser-made exam")
        submit(driver, "form[method='post'][action='/exams'] button[type=submit]")
        expect(driver.find_element(By.ID, "durationMinutes-error").text.endswith("Enter the duration in minutes, for example 90"),
               "a missing duration is explained beside it")
        driver.find_element(By.ID, "durationMinutes").send_keys("90")
        submit(driver, "form[method='post'][action='/exams'] button[type=submit]")
        expect(f"Exam {code} added" in driver.page_source and code in driver.find_element(By.TAG_NAME, "table").text, "the exam is in the catalog")
        # The registry holds more proctors than a page shows: the one wanted is found by a search.
        driver.get(BASE + "/proctors")
        expect("Next page" in driver.page_source and PROCTOR not in driver.page_source, "the registry shows one page at a time")
        driver.find_element(By.ID, "query").send_keys(PROCTOR)
        submit(driver, "form[role='search'] button")
        expect(PROCTOR in driver.page_source and "Showing 1 to 1 of 1 proctors" in driver.page_source, "a search finds the proctor")
        visit.check("proctors")
        # Deactivated, the proctor keeps the private session, which the page names for a handover; then back.
        row = driver.find_element(By.XPATH, f"//tr[td[contains(., '{PROCTOR}')]]")
        page = driver.find_element(By.TAG_NAME, "html")
        row.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 15).until(lambda d: is_stale(page))
        notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
        expect("is deactivated" in notice and private_name in notice, f"deactivating names the sessions still assigned: {notice}")
        expect("Deactivated" in driver.find_element(By.XPATH, f"//tr[td[contains(., '{PROCTOR}')]]").text, "the registry shows the proctor deactivated")
        visit.check("proctor-deactivated")
        row = driver.find_element(By.XPATH, f"//tr[td[contains(., '{PROCTOR}')]]")
        page = driver.find_element(By.TAG_NAME, "html")
        row.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 15).until(lambda d: is_stale(page))
        expect("can be assigned to sessions again" in driver.page_source, "the proctor is reactivated")

        # The location corrected (its candidates are told), deactivated (its sessions keep it, new ones may
        # not use it), then reactivated; an exam changed and deactivated the same way.
        # The list is searched: a CSR with hundreds of locations finds this one by name.
        driver.get(BASE + "/locations?" + urlencode({"query": location}))
        summary = driver.find_element(By.CSS_SELECTOR, "p[role=status]").text
        expect(summary == "Showing 1 to 1 of 1 locations.", f"the search finds the one location: {summary}")
        driver.find_element(By.XPATH, f"//tr[td[contains(., '{location}')]]//a[starts-with(@href, '/locations/')]").click()
        wait.until(lambda d: d.current_url.endswith("/edit"))
        expect(visit.h1() == f"Change {location}", "the location's page is named for it")
        expect(driver.find_element(By.ID, "address").get_attribute("value") == "12 Rue de la Paix, Paris", "the form holds the address")
        visit.check("location-edit")
        driver.find_element(By.ID, "address").clear()
        submit(driver, "form[action$='/edit'] button")
        expect(driver.find_element(By.ID, "address-error").text.endswith("Enter the location's address"), "an emptied address is explained")
        driver.find_element(By.ID, "address").send_keys("14 Rue de la Paix, Paris")
        submit(driver, "form[action$='/edit'] button")
        wait.until(lambda d: "/locations?" in d.current_url and "changed=" in d.current_url)
        expect("14 Rue de la Paix" in driver.find_element(By.TAG_NAME, "table").text, "the corrected address is listed")
        row = driver.find_element(By.XPATH, f"//tr[td[contains(., '{location}')]]")
        page = driver.find_element(By.TAG_NAME, "html")
        row.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 15).until(lambda d: is_stale(page))
        notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
        expect("is deactivated" in notice and public_name in notice, f"deactivating names the sessions that keep it: {notice}")
        visit.check("location-deactivated")
        driver.get(BASE + "/sessions/new")
        expect(not [o for o in Select(driver.find_element(By.ID, "locationId")).options if location in o.text],
               "a new session is not offered the deactivated location")
        driver.get(BASE + "/locations?" + urlencode({"query": location}))
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.XPATH, f"//tr[td[contains(., '{location}')]]//button").click()
        WebDriverWait(driver, 15).until(lambda d: is_stale(page))
        expect("takes new sessions again" in driver.page_source, "the location is reactivated")

        driver.get(BASE + "/exams?" + urlencode({"query": code}))
        driver.find_element(By.CSS_SELECTOR, f"a[href='/exams/{code}/edit']").click()
        wait.until(lambda d: d.current_url.endswith("/edit"))
        visit.check("exam-edit")
        driver.find_element(By.ID, "title").clear()
        driver.find_element(By.ID, "title").send_keys("Browser-made exam, second edition")
        driver.find_element(By.ID, "noShowPolicy-release").click()
        submit(driver, "form[action$='/edit'] button")
        wait.until(lambda d: f"Exam {code} changed" in d.page_source)
        exam_row = driver.find_element(By.XPATH, f"//tr[td[normalize-space()='{code}']]").text
        expect("second edition" in exam_row and "Release" in exam_row, f"the exam's row shows the change: {exam_row}")
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.XPATH, f"//tr[td[normalize-space()='{code}']]//button").click()
        WebDriverWait(driver, 15).until(lambda d: is_stale(page))
        expect("is deactivated" in driver.page_source and "Deactivated" in driver.find_element(By.XPATH, f"//tr[td[normalize-space()='{code}']]").text,
               "the exam is deactivated")
        driver.get(BASE + "/sessions/new")
        expect(not driver.find_elements(By.ID, f"exam-{code}"), "a new session is not offered the deactivated exam")

        # A template: a preview before saving, an error with its line and column, then a saved version.
        driver.get(BASE + "/templates")
        expect(driver.find_elements(By.CSS_SELECTOR, "a[href='/templates/booking-confirmed/en']"), "the templates are listed by kind and language")
        visit.check("templates")
        driver.get(BASE + "/templates/booking-confirmed/en")
        visit.check("template")
        original = driver.find_element(By.ID, "text").get_attribute("value")
        # With JavaScript the preview follows the typing; without, the button below does the same.
        driver.find_element(By.ID, "text").send_keys(" ")
        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#live-preview iframe.preview-html"))
        submit(driver, "button[value=preview]")
        expect(driver.find_elements(By.CSS_SELECTOR, "iframe.preview-html") and "Preview with example values" in driver.page_source,
               "the preview shows the rendered email")
        visit.check("template-preview")
        # Saved unchanged, so every email of this kind reads as before (other tests rely on its words).
        driver.find_element(By.ID, "text").send_keys("\n{{#unclosed}}")
        submit(driver, "button[value=save]")
        error = driver.find_element(By.ID, "text-error").text
        expect("line" in error and "column" in error, f"a template error says where: {error}")
        visit.check("template-error")
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "text"), original)
        submit(driver, "button[value=save]")
        expect("Template saved" in driver.page_source, "the template is saved")
        expect(driver.find_elements(By.XPATH, "//h2[.='History']/following-sibling::div[1]//tbody/tr"), "the history lists the saved version")

        # Exports: what went back to the payment system, and a run on demand.
        driver.get(BASE + "/exports")
        visit.check("exports")
        submit(driver, "form[action='/exports/run'] button")
        expect("Export run:" in driver.page_source, "an admin can run the export now")

        # The admin invites a CSR and a proctor by email.
        driver.get(BASE + "/admin/accounts")
        visit.check("accounts")
        csr_address, proctor_address = f"carla-{TAG}@example.org", f"pete-{TAG}@example.org"
        invite(driver, visit, f"Carla CSR {TAG}", csr_address, "csr", True)
        invite(driver, visit, f"Pete Proctor {TAG}", proctor_address, "proctor", False)
        visit.check("accounts-invited")

        # Signing out ends the session: the calendar asks to sign in again.
        submit(driver, "form.sign-out button")
        wait.until(lambda d: "/login" in d.current_url)
        driver.get(BASE + "/calendar")
        expect("/login" in driver.current_url, "after sign-out the calendar needs sign-in")

        # Each chooses a password with their link and signs in to what their role allows.
        accept(driver, visit, csr_address, "carla chooses a long password", True)
        expect(driver.current_url.startswith(BASE + "/calendar"), "the CSR lands on the calendar")
        expect(not driver.find_elements(By.LINK_TEXT, "Accounts"), "a CSR has no Accounts link")
        driver.get(BASE + "/admin/accounts")
        expect(visit.h1() == "You cannot open this page", "a CSR cannot manage accounts")
        visit.check("forbidden")
        submit(driver, "form.sign-out button")
        accept(driver, visit, proctor_address, "pete chooses a long password", False)
        expect(driver.current_url.startswith(BASE + "/proctor/sessions") and visit.h1() == "My sessions", "the proctor lands on their sessions")
        visit.check("proctor-account")
        driver.get(BASE + "/calendar")
        expect(visit.h1() == "You cannot open this page", "a proctor cannot open the calendar")
        submit(driver, "form.sign-out button")
        print(f"console_browser: ok, {visit.pages} pages checked, screenshots in {SHOTS}")
    except (Failure, WebDriverException) as error:
        try:
            driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
        except WebDriverException:
            pass
        print(f"console_browser: FAILED at {driver.current_url}: {error}")
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
