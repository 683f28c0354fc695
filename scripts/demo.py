#!/usr/bin/env python3
"""The CSR and candidate part of the scripts/run demo, over the services' HTTP APIs.

Expects the purchases of `examhall seed purchases --prefix $PREFIX` (candidates $PREFIX-ada: CLOUD-101,
$PREFIX-marie: NET-201, $PREFIX-alan: SEC-301) and tokens in the environment: CSR_TOKEN, ADA_TOKEN, GRACE_TOKEN.
Prints what happens, the calendar, Ada's exam: proctored, reported, verified and its result delivered to
the external system as it receives it on examhall.outbound; and finally her retake, booked with a second
purchase once the first booking is completed.
"""
import email
import email.policy
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import uuid
import urllib.request
from datetime import datetime, timedelta, timezone

# Where the services answer, and how the CLI is run for a role: scripts/run's local processes by default;
# scripts/containers points these at the containers it runs and at the CLI inside the image.
SESSIONS = os.environ.get("DEMO_SESSIONS_URL", "http://127.0.0.1:8081")
AUTHORIZATIONS = os.environ.get("DEMO_AUTHORIZATIONS_URL", "http://127.0.0.1:8082")
VERIFICATION = os.environ.get("DEMO_VERIFICATION_URL", "http://127.0.0.1:8083")
NOTIFICATIONS = os.environ.get("DEMO_NOTIFICATIONS_URL", "http://127.0.0.1:8084")
CLI = ".build/release/examhall"
ROLE_CLI = os.environ.get("DEMO_CLI")


def examhall(*arguments, role="admin"):
    """Runs the examhall CLI with the credentials `scripts/stack env <role>` hands out (or as DEMO_CLI ROLE ARGS…)."""
    if ROLE_CLI:
        completed = subprocess.run([ROLE_CLI, role, *arguments], capture_output=True, text=True)
    else:
        command = f'eval "$(scripts/stack env {role})"; exec {CLI} ' + " ".join(f"'{a}'" for a in arguments)
        completed = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"demo: examhall {' '.join(arguments)} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def call(method, url, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def must(result, what):
    status, body = result
    if status >= 300:
        sys.exit(f"demo: {what} failed: {status} {body.get('detail', body)}")
    return body


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_for(description, probe, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    sys.exit(f"demo: timed out waiting for {description}")


def authorization(token, candidate, exam, status=None, booking_id=None):
    query = f"candidateId={candidate}&examCode={exam}" + (f"&status={status}" if status else "")
    _, body = call("GET", f"{AUTHORIZATIONS}/authorizations?{query}&limit=1000", token)
    items = [a for a in body.get("items", []) if booking_id is None or a.get("bookingId") == booking_id]
    return items[-1] if items else None


def main():
    csr, ada, grace = os.environ["CSR_TOKEN"], os.environ["ADA_TOKEN"], os.environ["GRACE_TOKEN"]
    prefix = os.environ["PREFIX"]
    # The external system's own queues on examhall.outbound, bound before anything can be exported: until
    # a queue is bound for a message, ExamHall keeps it in its outbox and tries again.
    print(examhall("receive", "--queue", "external-system.demo-results", "--declare-only", role="payment-system"))
    print(examhall("receive", "--queue", "external-system.demo-payments", "--routing-key", "payment.#", "--declare-only", role="payment-system"))
    print()
    print("== A CSR sets up the catalog, a location and three sessions ==")
    for code, title in [("CLOUD-101", "Cloud Foundations"), ("NET-201", "Networking"), ("SEC-301", "Security"), ("INTRO-001", "Orientation")]:
        status, _ = call("POST", f"{SESSIONS}/exams", csr, {"code": code, "title": title, "durationMinutes": 90})
        print(f"exam {code}: {'added' if status == 201 else 'already in the catalog'}")
    location = must(call("POST", f"{SESSIONS}/locations", csr, {"name": "London Bridge Test Centre", "address": "1 Tooley St, London", "timeZone": "Europe/London"}), "creating the location")
    print(f"location {location['name']} ({location['timeZone']}): {location['id']}")
    start = (datetime.now(timezone.utc) + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    window = {"start": iso(start), "end": iso(start + timedelta(hours=3))}
    common = {"locationId": location["id"], "room": "Room 2", "instructions": "Bring a photo ID; arrive 15 minutes early.", "availability": window}
    cloud = must(call("POST", f"{SESSIONS}/sessions", csr, {**common, "name": "Cloud Foundations — morning", "examCodes": ["CLOUD-101"],
        "selfEnrollment": True, "capacity": 12, "authorizationRequired": True,
        "bookingDeadline": iso(start - timedelta(days=1)), "cancellationDeadline": iso(start - timedelta(days=2))}), "creating the public session")
    intro = must(call("POST", f"{SESSIONS}/sessions", csr, {**common, "name": "Orientation (free)", "examCodes": ["INTRO-001"], "room": "Room 3",
        "selfEnrollment": True, "capacity": 30}), "creating the free session")
    private = must(call("POST", f"{SESSIONS}/sessions", csr, {**common, "name": "Mixed private session", "examCodes": ["NET-201", "SEC-301"], "room": "Room 5",
        "selfEnrollment": False, "privateKind": "common", "price": {"amount": 150, "currency": "GBP"}}), "creating the private session")
    for session in (cloud, intro, private):
        kind = "public" if session["selfEnrollment"] else f"private ({session['privateKind']})"
        print(f"session {session['name']}: {kind}, {session['availability']['localStart']} → {session['availability']['localEnd']}")
    proctor = must(call("POST", f"{SESSIONS}/proctors", csr, {"name": "Pat Proctor", "email": f"pat-{int(time.time())}@example.org"}), "registering a proctor")
    must(call("PUT", f"{SESSIONS}/sessions/{cloud['id']}/proctors/{proctor['id']}", csr), "assigning the proctor")
    print(f"proctor {proctor['name']} assigned to {cloud['name']}")

    print()
    print("== Candidates book ==")
    def ada_books():
        status, body = call("POST", f"{SESSIONS}/sessions/{cloud['id']}/bookings", ada)
        # Until authorization.opened has reached the sessions service, Ada holds no Open authorization there.
        return None if status == 409 and body.get("type", "").endswith("authorization-required") else (status, body)
    status, booking = wait_for("Ada's Open authorization to reach the sessions service", ada_books)
    if status == 201:
        print(f"Ada books {cloud['name']} with her authorization: {booking['status']} (authorization {booking['authorizationId']})")
        assigned = wait_for("the authorization to become Assigned",
            lambda: (lambda a: a if a and a["status"] == "assigned" else None)(authorization(csr, f"{prefix}-ada", "CLOUD-101", booking_id=booking["id"])))
        print(f"  the authorizations service confirms: authorization {assigned['id']} is {assigned['status']}")
    else:
        sys.exit(f"demo: Ada cannot book: {booking.get('detail')}")
    ada_booking = booking
    booking = must(call("POST", f"{SESSIONS}/sessions/{intro['id']}/bookings", grace), "Grace's booking")
    print(f"Grace books {intro['name']}: {booking['status']} (no authorization needed)")
    for candidate, exam in [(f"{prefix}-marie", "NET-201"), (f"{prefix}-alan", "SEC-301")]:
        open_authorization = wait_for(f"{candidate}'s authorization", lambda: authorization(csr, candidate, exam, status="open"))
        status, booked = call("POST", f"{SESSIONS}/sessions/{private['id']}/bookings", csr, {"authorizationId": open_authorization["id"]})
        must((status, booked), f"assigning {candidate}'s authorization")
        print(f"the CSR assigns {candidate}'s {exam} authorization to {private['name']}: {booked['status']}")

    print()
    print("== The calendar ==")
    calendar = must(call("GET", f"{SESSIONS}/calendar?from={iso(start - timedelta(hours=1))}&to={iso(start + timedelta(hours=4))}&locationId={location['id']}", csr), "reading the calendar")
    print(f"{'session':<32}{'local start':<28}{'booked':>7}{'left':>6}{'wait':>6}{'proctors':>10}  staffing")
    for entry in calendar["sessions"]:
        occupancy = entry["occupancy"]
        left = "-" if occupancy.get("seatsLeft") is None else occupancy["seatsLeft"]
        proctors = f"{occupancy['proctorsAssigned']}/{occupancy['proctorsRequired']}"
        print(f"{entry['name']:<32}{entry['time']['localStart']:<28}{occupancy['seatsBooked']:>7}{left:>6}{occupancy['waitlistLength']:>6}{proctors:>10}  {'UNDERSTAFFED' if occupancy['understaffed'] else 'ok'}")


    print()
    the_exam(csr, ada, proctor, ada_booking)
    print()
    the_retake(csr, ada, prefix, ada_booking, common, start)
    print()
    the_emails(csr, [(f"{prefix}-ada", "Ada", 3), (f"{prefix}-marie", "Marie", 1)])


def the_exam(csr, ada, proctor, booking):
    """Ada sits CLOUD-101 in person: the proctor marks it, reports, a CSR verifies, the result goes out."""
    print("== Ada sits the exam; the proctor reports; a CSR verifies ==")
    pat = examhall("token", "--role", "proctor", "--subject", proctor["id"])
    attempt_url = f"{VERIFICATION}/attempts/{booking['id']}"
    # The verification service learns of the booking and the proctor from events; until then: 404 / 403.
    wait_for("the attempt and its proctor to reach the verification service",
        lambda: (lambda r: r if r[0] == 200 else None)(call("POST", f"{attempt_url}/start", pat)))
    print(f"{proctor['name']} marks Ada's attempt started (an in-person session)")
    finished = must(call("POST", f"{attempt_url}/finish", pat, {"score": 82, "maxScore": 100, "passed": True}), "finishing the attempt")
    print(f"{proctor['name']} enters the score: {finished['score']:g}/{finished['maxScore']:g}, {finished['status']}")
    must(call("POST", f"{attempt_url}/report", pat, {"rating": 5, "notes": "Calm session, ID checked at the door.", "incidents": []}), "the proctor report")
    print(f"{proctor['name']} submits the report: rating 5, no incidents")
    status, early = call("GET", f"{attempt_url}/result", ada)
    print(f"Ada asks for her result: {status} {early.get('title', '')} — {early.get('detail', '')}")
    queue = must(call("GET", f"{VERIFICATION}/attempts?awaitingVerdict=true&sessionId={booking['sessionId']}", csr), "the verification queue")
    print(f"the CSR's queue of attempts awaiting a verdict in this session: {[a['id'] for a in queue['items']]}")
    verified = must(call("POST", f"{attempt_url}/verdict", csr, {"verdict": "positive", "comment": "Report clean; score confirmed."}), "the verdict")
    print(f"the CSR verifies: {verified['verdict']} (final)")
    result = must(call("GET", f"{attempt_url}/result", ada), "Ada's result")
    print(f"Ada's result: {result['verdict']}, {result['score']:g}/{result['maxScore']:g}, passed: {result['passed']}")
    admin = examhall("token", "--role", "admin", "--subject", "demo-admin")
    run = must(call("POST", f"{VERIFICATION}/exports/run", admin), "the export run")
    print(f"an admin runs the export now instead of waiting for the schedule: {run['exported']} exported")

    print()
    print("== The external system receives the result on examhall.outbound ==")
    print(examhall("receive", "--queue", "external-system.demo-results", "--message-id", f"result-verified-{booking['id']}",
        "--timeout", "60", role="payment-system"))


def the_retake(csr, ada, prefix, booking, common, start):
    """Ada's finished booking is final and her used authorization stays used; a second purchase of the
    same exam lets her book a retake, which connects the new authorization."""
    print("== Ada's booking is completed; she buys the exam again and books a retake ==")
    completed = wait_for("Ada's booking to become completed",
        lambda: (lambda r: r[1] if r[0] == 200 and r[1]["status"] == "completed" else None)(call("GET", f"{SESSIONS}/bookings/{booking['id']}", csr)))
    print(f"Ada's booking is {completed['status']}: it no longer changes")
    status, refused = call("POST", f"{SESSIONS}/bookings/{booking['id']}/cancel", csr, {})
    print(f"a CSR who tries to cancel it gets {status} {refused.get('type', '').split('/')[-1]}")
    used = authorization(csr, f"{prefix}-ada", "CLOUD-101", booking_id=booking["id"])
    print(f"her first authorization stays {used['status']}: it was used, so it cannot be booked again")
    now = datetime.now(timezone.utc)
    purchase = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "type": "purchase.completed", "source": "payment-system", "time": iso(now),
        "datacontenttype": "application/json",
        "data": {"purchaseId": f"{prefix}-ada-retake", "examCode": "CLOUD-101", "validUntil": iso(now + timedelta(days=180)),
                 "candidate": {"externalId": f"{prefix}-ada", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org",
                               "language": "en", "timeZone": "Europe/London"}},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(purchase, file)
    print(examhall("publish", file.name, role="payment-system"))
    os.unlink(file.name)
    later = start + timedelta(days=7)
    retake_session = must(call("POST", f"{SESSIONS}/sessions", csr, {**common, "name": "Cloud Foundations — retake", "examCodes": ["CLOUD-101"],
        "availability": {"start": iso(later), "end": iso(later + timedelta(hours=3))}, "selfEnrollment": True, "capacity": 12,
        "authorizationRequired": True, "bookingDeadline": iso(later - timedelta(days=1))}), "creating the retake session")
    print(f"session {retake_session['name']}: {retake_session['availability']['localStart']}")
    def ada_rebooks():
        status, body = call("POST", f"{SESSIONS}/sessions/{retake_session['id']}/bookings", ada)
        # Until the new authorization.opened has reached the sessions service, she holds no Open authorization there.
        return None if status == 409 and body.get("type", "").endswith("authorization-required") else (status, body)
    status, retake = wait_for("Ada's second authorization to reach the sessions service", ada_rebooks)
    if status != 201:
        sys.exit(f"demo: Ada cannot book her retake: {retake.get('detail')}")
    print(f"Ada books the retake: {retake['status']}, connected to authorization {retake['authorizationId']} (her first was {used['id']})")


def the_emails(csr, candidates):
    """What the notifications service wrote to the mail folder: each candidate's emails, in their language."""
    print("== The emails candidates received (written to the mail folder, no SMTP server configured) ==")
    folder = os.environ["MAIL_DIR"]
    for candidate, name, expected in candidates:
        def sent():
            _, body = call("GET", f"{NOTIFICATIONS}/deliveries?candidateId={candidate}&status=sent", csr)
            items = body.get("items", [])
            return items if len(items) >= expected else None
        deliveries = wait_for(f"{name}'s emails", sent, timeout=60)
        for delivery in sorted(deliveries, key=lambda d: d["createdAt"]):
            files = glob.glob(os.path.join(folder, f"*-{delivery['id']}.eml"))
            if not files:
                print(f"  {name}: {delivery['kind']} — file not found in {folder}")
                continue
            with open(files[0], "rb") as file:
                message = email.message_from_binary_file(file, policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
            attachments = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
            print(f"--- {os.path.basename(files[0])} ({delivery['language']}{', with ' + ', '.join(attachments) if attachments else ''})")
            print(f"To: {message['To']}")
            print(f"Subject: {message['Subject']}")
            print("\n".join("  " + line for line in text.strip().splitlines()[:12]))
        print()


if __name__ == "__main__":
    main()
