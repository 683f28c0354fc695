import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// The console's stylesheet and small scripts, shipped as resources and cached by browsers.
enum StaticFiles {
    static func add(to router: Router<ExamHallRequestContext>) {
        let directory = Bundle.module.url(forResource: "Static", withExtension: nil)!
        let files: [String: (Data, String)] = Dictionary(uniqueKeysWithValues: ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
            return (name, (data, type))
        })
        router.get("/static/:name") { _, context in
            guard let name = context.parameters.get("name"), let (data, type) = files[name] else { throw HTTPError(.notFound) }
            var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=3600"]
            PageMiddleware.secure(&headers)
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
        }
    }
}
