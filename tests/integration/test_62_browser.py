"""62 the web page in a real browser: headless Chromium driven through
Selenium. Two browser users, a chat user on a plain socket (as with nc) and
an IRC client share a room: messages every way, joins and leaves, a private
conversation with its unread badge, HTML and <script> shown as text,
history on join (CHATHISTORY over the data directory), and both browsers
reconnecting and rejoining after the server restarts. Screenshots at
desktop and phone width are saved under $PARLEY_BUILD/artefacts/ to be
looked at."""

import os
import time
import shutil
import sys

import pytest

from harness import BUILD, DEADLINE, ChatClient, LineClient, Server, free_port

try:
    from selenium import webdriver
except ImportError:  # Debian's python3-selenium, under another interpreter
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from selenium import webdriver
    except ImportError:
        webdriver = None

if webdriver:
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    webdriver is None or not os.access(CHROMEDRIVER, os.X_OK),
    reason="needs chromium, chromium-driver and python3-selenium (tools/install-deps.sh)")

ARTEFACTS = os.path.join(BUILD, "artefacts")


def browser(width=1280, height=800):
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    chromium = shutil.which("chromium")
    if chromium:
        opts.binary_location = chromium
    service = Service(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=opts, service=service)


def wait(driver, pred, what, timeout=DEADLINE):
    return WebDriverWait(driver, timeout).until(lambda d: pred(d), message=what)


def log_texts(driver):
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#log li")]


def wait_line(driver, text):
    wait(driver, lambda d: any(text in t for t in log_texts(d)), f"line {text!r}")


def login(driver, port, nick, rooms="#web"):
    driver.get(f"http://127.0.0.1:{port}/")
    driver.find_element(By.ID, "nick").send_keys(nick)
    room = driver.find_element(By.ID, "rooms")
    room.clear()
    room.send_keys(rooms)
    driver.find_element(By.ID, "connect").click()
    wait(driver, lambda d: d.find_element(By.ID, "title").text == rooms, "joined")


def say(driver, text):
    box = driver.find_element(By.ID, "input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


class Irc(LineClient):
    def until(self, pred):
        while True:
            line = self.recv_line()
            if line.startswith("PING"):
                self.send("PONG" + line[4:])
            elif pred(line):
                return line


def start(ports, data_dir):
    return Server(listen=(f"http:127.0.0.1:{ports[0]}", f"chat:127.0.0.1:{ports[1]}",
                          f"irc:127.0.0.1:{ports[2]}"),
                  args=("--data-dir", data_dir, "--server-name", "irc.test"))


def test_browser_chat(tmp_path):
    os.makedirs(ARTEFACTS, exist_ok=True)
    ports = (free_port(), free_port(), free_port())
    server = start(ports, str(tmp_path))
    server.start()
    a = b = c = None
    try:
        a, b = browser(), browser(390, 844)
        login(a, ports[0], "alice")
        login(b, ports[0], "bob")
        nc = ChatClient(ports[1], "carl", "#web")
        irc = Irc(ports[2])
        irc.send("NICK ivan")
        irc.send("USER ivan 0 * :Ivan")
        irc.until(lambda l: " 422 " in l)
        irc.send("JOIN #web")
        irc.until(lambda l: " 366 " in l)
        wait_line(a, "ivan joined")

        evil = "look <script>window.pwned=1</script> <b>bold</b> https://example.org/x"
        say(a, evil)
        wait_line(b, evil)
        assert b.execute_script("return window.pwned === undefined")
        assert not b.find_elements(By.CSS_SELECTOR, "#log script, #log b")
        link = b.find_element(By.CSS_SELECTOR, "#log a")
        assert link.get_attribute("href") == "https://example.org/x"
        got = nc.recv_line()
        while "ROOM #web alice" not in got:
            got = nc.recv_line()
        assert got.endswith(evil)
        irc.until(lambda l: "PRIVMSG #web :look <script>" in l)

        nc.send("hi from nc")
        wait_line(a, "hi from nc")
        wait_line(b, "hi from nc")
        irc.send("PRIVMSG #web :hi from irc")
        wait_line(a, "hi from irc")
        say(b, "/me waves")
        wait_line(a, "* bob waves")

        say(a, "/msg bob a secret")
        wait(b, lambda d: any("alice" in li.get_attribute("textContent") and li.find_elements(By.CLASS_NAME, "badge")
                              for li in d.find_elements(By.CSS_SELECTOR, "#buffers li")),
             "unread badge for the private conversation")
        b.save_screenshot(os.path.join(ARTEFACTS, "web-phone-unread.png"))
        a.find_element(By.XPATH, "//ul[@id='buffers']/li[span='#web']").click()
        irc.send("PART #web :bye")
        wait_line(a, "ivan left")
        a.save_screenshot(os.path.join(ARTEFACTS, "web-desktop.png"))
        b.find_element(By.ID, "menu").click()
        pm = [li for li in b.find_elements(By.CSS_SELECTOR, "#buffers li")
              if "alice" in li.get_attribute("textContent")]
        pm[0].click()
        wait_line(b, "a secret")
        b.save_screenshot(os.path.join(ARTEFACTS, "web-phone-pm.png"))

        # History on join: a newcomer sees what was said before it came.
        c = browser()
        login(c, ports[0], "dora")
        wait_line(c, "hi from nc")

        # The server restarts: the browsers reconnect and rejoin on their own.
        nc.close()
        irc.close()
        server.stop()
        server = start(ports, str(tmp_path))
        server.start()
        for d in (a, b):
            # Backoff: about 1 s, then 2 s, 4 s... while the server was down.
            wait(d, lambda x: x.find_element(By.ID, "status").get_attribute("textContent")
                 == "connected", "reconnected", timeout=4 * DEADLINE)
        nc2 = ChatClient(ports[1], "carla", "#web")
        a.find_element(By.XPATH, "//ul[@id='buffers']/li[span='#web']").click()
        # "connected" comes at registration; the rejoin follows it: wait
        # until the room lists the browser user again before speaking.
        deadline = time.monotonic() + 4 * DEADLINE
        while True:
            nc2.send("USERS #web")
            listed = nc2.recv_line()
            while not listed.startswith("USERLIST"):
                listed = nc2.recv_line()
            if "alice" in listed.split() or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        nc2.send("back again")
        wait_line(a, "back again")
        nc2.close()
    finally:
        for d in (a, b, c):
            if d:
                d.quit()
        server.stop()


def test_browser_password(tmp_path):
    """A registered name needs its password: SASL PLAIN from the page."""
    ports = (free_port(), free_port(), free_port())
    server = start(ports, str(tmp_path))
    server.start()
    d = None
    try:
        owner = ChatClient(ports[1], "erin")
        owner.send("REGISTER correct horse")
        owner.expect("OK Registered erin")
        owner.send("QUIT")
        owner.close()
        d = browser()
        d.get(f"http://127.0.0.1:{ports[0]}/")
        d.find_element(By.ID, "nick").send_keys("erin")
        d.find_element(By.ID, "password").send_keys("wrong password")
        d.find_element(By.ID, "connect").click()
        wait(d, lambda x: x.find_element(By.ID, "login-error").text != "", "refused")
        assert "password" in d.find_element(By.ID, "login-error").text.lower()
        pw = d.find_element(By.ID, "password")
        pw.clear()
        pw.send_keys("correct horse")
        d.find_element(By.ID, "connect").click()
        wait(d, lambda x: x.find_element(By.ID, "title").text == "#lobby", "logged in and joined")
        assert d.find_element(By.ID, "me-nick").text == "erin"
    finally:
        if d:
            d.quit()
        server.stop()
