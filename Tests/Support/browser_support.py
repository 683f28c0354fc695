"""What the browser scripts share: headless Chromium through Debian's chromedriver, a check of every
page (screenshots at desktop and phone width, no sideways scrolling at 375 px, axe-core with no serious
or critical violation, one h1), and waiting for the page a form leads to."""
import os
import sys

os.environ.setdefault("SE_AVOID_STATS", "true")  # never phone home

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

DRIVER = "/usr/bin/chromedriver"


def setting(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {name} is not set")
    return value


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def browser():
    if not os.path.exists(DRIVER):
        sys.exit(f"console_browser: {DRIVER} is missing; install Debian's chromium and chromium-driver (scripts/stack start does)")
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


class Visit:
    """Every page a script checks, its screenshots named `<prefix>-<number>-<name>-<width>.png`."""

    def __init__(self, driver, shots, prefix):
        self.driver = driver
        self.pages = 0
        self.shots = shots
        self.prefix = prefix
        os.makedirs(shots, exist_ok=True)
        for old in os.listdir(shots):
            if old.startswith(prefix + "-") and old.endswith(".png"):
                os.remove(os.path.join(shots, old))

    def check(self, name):
        """Screenshots at desktop and phone width, and axe-core: no serious or critical violation."""
        d = self.driver
        self.pages += 1
        for width, label in ((1280, "desktop"), (375, "375")):
            # The whole page, not just the first screen: the window grows to the page's height.
            d.set_window_size(width, 900)
            height = d.execute_script("return document.documentElement.scrollHeight")
            d.set_window_size(width, min(max(height, 900), 6000))
            d.save_screenshot(os.path.join(self.shots, f"{self.prefix}-{self.pages:02d}-{name}-{label}.png"))
        d.set_window_size(375, 812)
        # Elements sticking out to the right, outside any box that scrolls on its own (wide tables do).
        overflow = d.execute_script("""
            if (document.documentElement.scrollWidth <= window.innerWidth + 1) return [];
            const scrolls = (e) => { for (; e; e = e.parentElement) { if (getComputedStyle(e).overflowX === 'auto') return true; } return false; };
            return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(e.parentElement))
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
        """)
        d.set_window_size(1280, 1000)
        expect(not overflow, f"{name}: the page scrolls sideways at 375 px because of {overflow}")
        axe = Axe(d)
        axe.inject()
        results = axe.run()
        bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        expect(not bad, f"{name}: accessibility violations: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad))
        expect(len(d.find_elements(By.TAG_NAME, "h1")) == 1, f"{name}: a page has exactly one h1")

    def h1(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text


def submit(driver, selector):
    """Clicks a form's button and waits for the page it leads to (the old page must go stale)."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 15).until(lambda d: is_stale(page))


def is_stale(element):
    try:
        element.tag_name
        return False
    except WebDriverException:
        return True




def set_value(driver, element_id, value):
    """datetime-local fields take keys by locale; the value is set as a browser would after typing."""
    driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, element_id), value)


def staff_sign_in(driver, address, password):
    """Sends the staff form of the sign-in page that is open."""
    driver.find_element(By.ID, "email").send_keys(address)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, "form[action='/login'] button")
