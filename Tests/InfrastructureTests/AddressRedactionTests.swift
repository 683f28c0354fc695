import ExamHallServiceKit
import Testing

/// No email address reaches a log line, whatever quotes it.
@Suite struct AddressRedactionTests {
    @Test(arguments: [
        ("550 5.1.1 <ada.lovelace+exams@example.co.uk>: Recipient address rejected", "550 5.1.1 <[address]>: Recipient address rejected"),
        ("to ada@example.org and grace_hopper@navy.mil", "to [address] and [address]"),
        ("data.candidate.email 'not-an-address' is not valid", "data.candidate.email 'not-an-address' is not valid"),
        ("@handle and user@localhost stay", "@handle and user@localhost stay"),
        ("", ""),
    ])
    func addressesAreReplacedAndTheRestKept(_ text: String, _ expected: String) {
        #expect(AddressRedaction.redacting(text) == expected)
    }
}
