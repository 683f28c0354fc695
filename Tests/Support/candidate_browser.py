"""Candidates in the console, in a real browser: headless Chromium driven by Selenium, every page
checked with axe-core at desktop size and at 375 px.

Run by Tests/EndToEndTests/ConsoleEndToEndTests+Candidates.swift, which starts the real executables
and a real SMTP server and prepares the sessions through the APIs. Exits non-zero, saying why, at the
first thing that is not as a candidate would expect.
"""
import os
import re
import sys
import time

import requests
from browser_support import Failure, Visit, browser, expect, is_stale, set_value, setting, staff_sign_in, submit
from http_support import emailed_link
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = setting("CONSOLE_URL")
MAIL_DIR = setting("CONSOLE_MAIL_DIR")  # the SMTP server's folder of received emails
SHOTS = setting("CONSOLE_SCREENSHOTS")
ADMIN_EMAIL = setting("CONSOLE_EMAIL")
ADMIN_PASSWORD = setting("CONSOLE_PASSWORD")
MARIE = setting("CANDIDATE_EN")  # reads English
JEAN = setting("CANDIDATE_FR")  # reads French
FIRST = setting("SESSION_FIRST")  # public sessions of the exam both bought
SECOND = setting("SESSION_SECOND")
SECOND_ID = setting("SESSION_SECOND_ID")
PAID = setting("SESSION_PAID")  # a paid session of another exam, needing no authorization
FULL = setting("SESSION_FULL")  # another exam's session, its only seat taken by SEATED_BOOKING
SEATED_BOOKING = setting("SEATED_BOOKING")
ATTEMPT = setting("ATTEMPT")  # Marie's attempt in SESSION_SAT, an in-person session the proctor staffs
SESSION_SAT = setting("SESSION_SAT")
PROCTOR_EMAIL = setting("PROCTOR_EMAIL")
PROCTOR_PASSWORD = setting("PROCTOR_PASSWORD")

FRENCH_DAY = re.compile(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} [a-zéû]+ \d{4}")


def sign_in_link(address, since):
    """Waits for the sign-in link emailed to `address` after `since` (the email is sent after the answer)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        fresh = [name for name in os.listdir(MAIL_DIR) if name.endswith(".eml") and os.path.getmtime(os.path.join(MAIL_DIR, name)) >= since]
        link = emailed_link(MAIL_DIR, address, r"https?://\S+/login/link/\S+") if fresh else None
        if link:
            return link
        time.sleep(0.2)
    raise Failure(f"no sign-in link reached {address}")


def ask_for_link(driver, visit, address, shot, heading="Check your email"):
    since = time.time() - 1
    field = driver.find_element(By.ID, "link-email")
    field.clear()
    field.send_keys(address)
    submit(driver, "form[action='/login/link'] button")
    expect(visit.h1() == heading, f"asking for a link says to check the email: {visit.h1()}")
    if shot:
        visit.check(shot)
    return sign_in_link(address, since)


def follow_link(driver, visit, link, shot, button_heading="Sign in to ExamHall"):
    driver.get(link)
    expect(visit.h1() == button_heading, f"the emailed link opens a page with a button: {visit.h1()}")
    if shot:
        visit.check(shot)
    submit(driver, "form[action^='/login/link/'] button")
    expect(driver.current_url.rstrip("/").endswith("/me"), f"a candidate lands on /me: {driver.current_url}")


def card_of(driver, name):
    """The session card (on /me) or the booking card whose text holds `name`."""
    cards = driver.find_elements(By.XPATH, f"//li[contains(@class,'session-card') or contains(@class,'card')][contains(., '{name}')]")
    expect(cards, f"a card for {name} is shown")
    return cards[0]


def click_in(driver, element, selector):
    page = driver.find_element(By.TAG_NAME, "html")
    element.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 15).until(lambda d: is_stale(page))


def until_page_shows(driver, url, text, seconds=30):
    """Reloads `url` until it shows `text` (the services catch up through events)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        driver.get(url)
        if text in driver.page_source:
            return
        time.sleep(0.5)
    raise Failure(f"{url} never showed {text!r}")


def sign_out(driver):
    submit(driver, "form.sign-out button")


def main():
    driver = browser()
    visit = Visit(driver, SHOTS, "candidate")
    try:
        # Marie asks for a link on the sign-in page, and signs in with the one emailed to her.
        driver.get(BASE + "/login")
        visit.check("login")
        submit(driver, "form[action='/login/link'] button")
        expect(driver.find_element(By.ID, "link-email-error").text.endswith("Enter your email address, like name@example.com"),
               "an empty email is explained beside the field")
        link = ask_for_link(driver, visit, MARIE, "link-sent")
        follow_link(driver, visit, link, "link")
        expect(visit.h1() == "Your exams", "Marie's home page is in English")
        authorizations = driver.find_element(By.ID, "authorizations").find_element(By.XPATH, "following-sibling::ul[1]").text
        expect("Open" in authorizations, f"her authorization is Open: {authorizations}")
        expect("(Europe/Paris, UTC+" in driver.page_source, "times show the place's zone and offset")
        visit.check("me")

        # She books the first session: checked first, then confirmed.
        click_in(driver, card_of(driver, FIRST), "button")
        expect(visit.h1() == "Check your booking", "Book leads to a check of the booking")
        visit.check("book-check")
        submit(driver, "form[action$='/book'] button")
        expect(visit.h1() == "Booking confirmed", f"the booking is confirmed: {visit.h1()}")
        expect(FIRST in driver.page_source, "the booking shows its session")
        visit.check("booked")
        booking_url = driver.current_url.split("?")[0]

        # The booking as a calendar file, with the browser's own sign-in.
        cookies = {cookie["name"]: cookie["value"] for cookie in driver.get_cookies()}
        ics = requests.get(booking_url + "/calendar.ics", cookies=cookies, timeout=15)
        expect(ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar"), f"the .ics downloads: {ics.status_code}")
        expect("BEGIN:VEVENT" in ics.text and FIRST in ics.text.replace("\r\n ", ""), "the .ics holds the session")

        # Her authorization is now connected to the booking.
        until_page_shows(driver, BASE + "/me", "Assigned")

        # A second booking for the same exam (say, from a page left open) is refused in plain words.
        driver.get(f"{BASE}/me/sessions/{SECOND_ID}/book")
        submit(driver, "form[action$='/book'] button")
        summary = driver.find_element(By.CSS_SELECTOR, ".error-summary").text
        expect("You already have a booking for this exam" in summary, f"the refusal is explained: {summary}")
        visit.check("book-refused")

        # She moves the booking: no choice is explained first, then the second session.
        driver.get(booking_url)
        driver.find_element(By.LINK_TEXT, "Move to another session").click()
        expect(visit.h1() == "Move your booking", "the move page opens")
        visit.check("reschedule")
        submit(driver, "form[action$='/reschedule'] button")
        expect(driver.find_elements(By.CSS_SELECTOR, ".error-summary"), "moving without a choice is explained")
        visit.check("reschedule-error")
        option = driver.find_element(By.XPATH, f"//label[contains(., '{SECOND}')]")
        option.click()
        submit(driver, "form[action$='/reschedule'] button")
        expect(visit.h1() == "Booking moved" and SECOND in driver.page_source, f"the booking moved: {visit.h1()}")

        # Then cancels it, on a page of its own, before the deadline.
        driver.find_element(By.LINK_TEXT, "Cancel my booking").click()
        expect(visit.h1() == "Cancel this booking?", "cancelling asks first")
        visit.check("cancel")
        submit(driver, "form[action$='/cancel'] button")
        expect(visit.h1() == "Booking cancelled", f"the booking is cancelled: {visit.h1()}")

        # The full session offers its waitlist.
        driver.get(BASE + "/me")
        card = card_of(driver, FULL)
        expect("Full" in card.text, f"the full session says so: {card.text}")
        click_in(driver, card, "button")
        expect("waitlist" in driver.page_source, "the check page explains the waitlist")
        submit(driver, "form[action$='/book'] button")
        expect(visit.h1() == "You are on the waitlist" and "You are number 1 on the waitlist." in driver.page_source,
               f"Marie is first on the waitlist: {visit.h1()}")
        visit.check("waitlisted")
        driver.get(BASE + "/me/bookings")
        visit.check("bookings")
        sign_out(driver)

        # The proctor's exam day: Marie's attempt marked started, then finished with its score.
        driver.get(BASE + "/login")
        staff_sign_in(driver, PROCTOR_EMAIL, PROCTOR_PASSWORD)
        expect(visit.h1() == "My sessions" and SESSION_SAT in driver.page_source, f"the proctor lands on their sessions: {visit.h1()}")
        visit.check("proctor-sessions")
        driver.find_element(By.LINK_TEXT, SESSION_SAT).click()
        expect(visit.h1() == SESSION_SAT and MARIE.split("@")[0] in driver.page_source, "the session page shows its roster")
        visit.check("proctor-session")
        submit(driver, f"#start-{ATTEMPT}")
        expect("Attempt marked as started." in driver.page_source, "the start is recorded")
        roster = driver.find_element(By.ID, f"attempt-{ATTEMPT}")
        expect("In progress" in roster.text, f"the attempt is in progress: {roster.text}")
        submit(driver, f"#attempt-{ATTEMPT} form[action$='/finish'] button")
        expect(driver.find_elements(By.CSS_SELECTOR, ".error-summary"), "a finish without a score is explained")
        visit.check("proctor-finish-error")
        driver.find_element(By.ID, f"score-{ATTEMPT}").send_keys("74")
        driver.find_element(By.ID, f"passed-{ATTEMPT}").send_keys("Passed")
        submit(driver, f"#attempt-{ATTEMPT} form[action$='/finish'] button")
        expect("Attempt marked as finished" in driver.page_source and "74 of 100, passed" in driver.page_source, "the finish and score are recorded")
        visit.check("proctor-finished")

        # The report: a missing rating explained, then an incident, notes and a rating saved.
        driver.find_element(By.PARTIAL_LINK_TEXT, "Report on this attempt").click()
        visit.check("proctor-report")
        submit(driver, "form[action$='/report'] button[type=submit]")
        expect(driver.find_element(By.ID, "rating-error").text.endswith("Choose a rating from 1 to 5"), "a missing rating is explained")
        visit.check("proctor-report-error")
        # A moment already past on any clock: an hour ago in UTC, written as a local time.
        set_value(driver, "incidentAt", time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 3600)))
        driver.find_element(By.ID, "incidentCategory").send_keys("Late arrival")
        driver.find_element(By.ID, "incidentDescription").send_keys("Arrived ten minutes late; identity checked.")
        driver.find_element(By.ID, "notes").send_keys("Calm sitting otherwise.")
        driver.find_element(By.ID, "rating-4").click()
        submit(driver, "form[action$='/report'] button[type=submit]")
        expect("Report saved." in driver.page_source and "Late arrival" in driver.page_source, "the report is saved with its incident")
        report_url = driver.current_url.split("?")[0]
        sign_out(driver)

        # Marie's result waits for the verdict.
        link = ask_for_link(driver, visit, MARIE, None)
        follow_link(driver, visit, link, None)
        driver.get(BASE + "/me/results")
        expect("Not verified yet" in driver.page_source, "an unverified result says so")
        visit.check("results-waiting")
        sign_out(driver)

        # Staff free the seat and give the verdict.
        driver.get(BASE + "/login")
        staff_sign_in(driver, ADMIN_EMAIL, ADMIN_PASSWORD)
        driver.get(f"{BASE}/bookings/{SEATED_BOOKING}/cancel")
        submit(driver, "form[action$='/cancel'] button")
        driver.get(f"{BASE}/verification/{ATTEMPT}")
        driver.find_element(By.ID, "verdict-positive").click()
        submit(driver, "form[action$='/confirm'] button[type=submit]")
        submit(driver, "form[action$='/verdict'] button[type=submit]")
        expect("Verdict recorded" in driver.page_source, "the verdict is recorded")
        sign_out(driver)

        # The proctor's report is locked now, and says so.
        driver.get(BASE + "/login")
        staff_sign_in(driver, PROCTOR_EMAIL, PROCTOR_PASSWORD)
        driver.get(report_url)
        expect("This report is locked." in driver.page_source and not driver.find_elements(By.CSS_SELECTOR, "form[action$='/report']"),
               "after the verdict the report is locked")
        visit.check("proctor-report-locked")
        sign_out(driver)

        # Marie, signed in again, was promoted from the waitlist and sees her result.
        link = ask_for_link(driver, visit, MARIE, None)
        follow_link(driver, visit, link, None)
        until_page_shows(driver, BASE + "/me/bookings", "Confirmed")
        expect(FULL in driver.page_source, "the promoted booking is listed")
        until_page_shows(driver, BASE + "/me/results", "74 of 100")
        expect("Passed" in driver.page_source, "the verified result shows")
        visit.check("results")
        sign_out(driver)

        # Jean reads French from the start: the sign-in page in French, then his own pages.
        driver.get(BASE + "/login?lang=fr")
        expect(visit.h1() == "Connexion" and driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "the sign-in page speaks French")
        visit.check("login-fr")
        link = ask_for_link(driver, visit, JEAN, "link-sent-fr", heading="Consultez vos e-mails")
        follow_link(driver, visit, link, "link-fr", button_heading="Se connecter à ExamHall")
        expect(visit.h1() == "Vos examens", f"Jean's home page is in French: {visit.h1()}")
        card = card_of(driver, FIRST)
        expect(card.find_element(By.TAG_NAME, "button").text == "Réserver", "sessions have a Réserver button")
        expect(FRENCH_DAY.search(card.text), f"dates are written in French: {card.text}")
        visit.check("me-fr")
        click_in(driver, card, "button")
        expect(visit.h1() == "Vérifiez votre réservation", "the check page is in French")
        visit.check("book-check-fr")
        submit(driver, "form[action$='/book'] button")
        expect(visit.h1() == "Réservation confirmée", f"Jean's booking is confirmed: {visit.h1()}")
        visit.check("booked-fr")
        # A paid session holds the seat while he pays.
        driver.get(BASE + "/me")
        card = card_of(driver, PAID)
        expect("150,00" in card.text and "€" in card.text, f"the price is written the French way: {card.text}")
        click_in(driver, card, "button")
        expect("votre place est gardée pendant le paiement" in driver.page_source, "the check page explains the payment hold")
        submit(driver, "form[action$='/book'] button")
        expect(visit.h1() == "Place gardée en attendant le paiement" and "Votre place est réservée jusqu’au" in driver.page_source,
               f"the hold and its expiry are shown: {visit.h1()}")
        visit.check("held-fr")
        # The language switch: English, then back.
        submit(driver, "form.language-switch button")
        expect(visit.h1() == "Seat held for payment", f"the switch turns the page into English: {visit.h1()}")
        submit(driver, "form.language-switch button")
        expect(visit.h1() == "Place gardée en attendant le paiement", "and back into French")
        sign_out(driver)
        print(f"candidate_browser: ok, {visit.pages} pages checked, screenshots in {SHOTS}")
    except (Failure, WebDriverException) as error:
        try:
            driver.save_screenshot(os.path.join(SHOTS, "candidate-failure.png"))
        except WebDriverException:
            pass
        print(f"candidate_browser: FAILED at {driver.current_url}: {error}")
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
