import ExamHallModels
import ExamHallServiceKit
import Foundation

/// A CSR's change to a session, inside the caller's transaction: load it, decide with
/// `SessionRules.edit`, check the proctors' other sessions when it moves, then store it with
/// `session.updated` and move the waitlist up when seats were added.
struct SessionChanges {
    let workflow: BookingWorkflow

    /// Applies a JSON merge patch of the session's settings; returns the session as it now is.
    func change(_ id: UUID, patch: Data) throws -> Session {
        let store = workflow.sessions
        guard let current = try store.lock(id) else { throw NotFound(what: "session \(id.uuidString.lowercased())") }
        let draft = try MergePatch.apply(patch, to: SessionRules.draft(of: current))
        let settings = try SessionRules.settings(of: draft)
        var updated = try Self.resolve(draft, settings: settings, id: id, store: store, current: current, now: workflow.now)
        updated.seatsTaken = current.seatsTaken
        let waitlisted = try store.occupancy(of: [id])[id]?.waitlisted ?? 0
        let edit = try SessionRules.edit(from: current, to: updated, draft: draft, waitlisted: waitlisted, now: workflow.now)
        if edit.moved {
            for proctor in try store.proctors(of: id) {
                _ = try store.lockProctor(proctor.id)
                if let other = try store.overlappingAssignment(proctorId: proctor.id, start: updated.start, end: updated.end, excluding: id) {
                    throw BookingRefusal.proctorOverlap(sessionId: other.id.uuidString.lowercased(), sessionName: other.name)
                }
            }
        }
        guard !edit.changedFields.isEmpty else { return current }
        try store.update(updated)
        let (before, after) = try SessionHistory.changes(from: SessionRules.draft(of: current), to: SessionRules.draft(of: updated))
        try store.recordHistory(of: id, at: workflow.now, by: workflow.actor, change: "changed", before: before, after: after)
        try workflow.outbox.publish(
            SessionUpdated(
                session: updated.snapshot, previousStart: edit.moved ? current.start : nil, previousEnd: edit.moved ? current.end : nil,
                changedFields: edit.changedFields
            ),
            on: workflow.connection
        )
        if edit.capacityRaised { try workflow.promoteWaitlist(of: updated) }
        return try store.find(id) ?? updated
    }

    /// The session a valid draft describes, once its location and exams are known to exist and
    /// may be used (`current` is the session before a change, nil for a new one).
    static func resolve(
        _ draft: SessionDraft, settings: (enrollment: Enrollment, candidatesPerProctor: Int, deliveryPreference: String),
        id: UUID, store: SessionStore, current: Session?, now: Date
    ) throws -> Session {
        var v = Validator()
        let location = try store.location(draft.locationId)
        if location == nil { v.fail("locationId", "no location \(draft.locationId.uuidString.lowercased()) exists; create it with POST /locations") }
        let exams = try store.exams(draft.examCodes)
        for code in draft.examCodes where !exams.contains(where: { $0.code == code }) {
            v.fail("examCodes", "\(code) is not in the exam catalog; add it with POST /exams")
        }
        try v.throwIfInvalid()
        try CatalogRules.checkUsable(location: location!, exams: exams, current: current)
        return Session(
            id: id, location: location!, name: draft.name, examCodes: draft.examCodes, room: draft.room,
            additionalInstructions: draft.additionalInstructions, instructions: draft.instructions,
            deliveryPreference: settings.deliveryPreference, start: draft.availability.start, end: draft.availability.end,
            enrollment: settings.enrollment, price: draft.price, candidatesPerProctor: settings.candidatesPerProctor,
            status: .scheduled, seatsTaken: 0, createdAt: current?.createdAt ?? now, updatedAt: now
        )
    }
}
