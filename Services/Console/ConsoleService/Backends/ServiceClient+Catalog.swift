import ExamHallServiceKit

extension ServiceClient {
    /// Every entry of a registry list (`/locations`, `/exams`, `/proctors`), page after page, so that a
    /// form or filter offers them all however many there are, not only the first page.
    func every<Item: Decodable & Sendable>(_ backend: Backend, _ path: String, as _: Item.Type, for principal: Principal) async throws -> [Item] {
        var items: [Item] = []
        while true {
            let page = try await get(
                backend, path, query: ["limit": String(PageRequest.maximumLimit), "offset": String(items.count)], as: APIList<Item>.self, for: principal
            )
            items += page.items
            // An entry added or removed meanwhile may shift a page by one; the next load shows it.
            if page.items.count < PageRequest.maximumLimit || items.count >= (page.total ?? items.count) { return items }
        }
    }
}
