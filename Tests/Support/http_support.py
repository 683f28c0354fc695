"""What the HTTP scripts share (requests, no browser): a check that stops the script saying why, and the
CSRF token of a page's form."""
import email
import os
import re
import sys


def expect(condition, message):
    if not condition:
        print(f"{os.path.basename(sys.argv[0]).removesuffix('.py')}: FAILED: {message}")
        sys.exit(1)


def form_token(html):
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    expect(match, "every form carries a CSRF token")
    return match.group(1)


def emailed_link(mail_dir, address, pattern):
    """The first link matching `pattern` in the newest email to `address` among the `.eml` files in
    `mail_dir`, read from its plain-text part as a mail client would; None when there is none."""
    names = sorted((name for name in os.listdir(mail_dir) if name.endswith(".eml")),
                   key=lambda name: os.path.getmtime(os.path.join(mail_dir, name)), reverse=True)
    for name in names:
        with open(os.path.join(mail_dir, name), "rb") as file:
            message = email.message_from_binary_file(file)
        if address not in (message["To"] or ""):
            continue
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                match = re.search(pattern, part.get_payload(decode=True).decode("utf-8"))
                if match:
                    return match.group(0)
    return None

