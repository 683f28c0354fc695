import ExamHallTestSupport
import Foundation
import Testing

/// Every target declares in Package.swift each module it imports: none leans on what another
/// dependency happens to bring along.
@Suite struct PackageManifestTests {
    /// Modules of the toolchain and the system, which no manifest declares.
    static let system: Set<String> = ["Foundation", "FoundationNetworking", "Glibc", "Dispatch", "Synchronization", "Testing", "XCTest"]

    @Test func everyTargetDeclaresWhatItImports() throws {
        // A scratch path of its own: the running tests hold the lock on `.build`.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-manifest").path
        let dump = try Program.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["swift", "package", "--scratch-path", scratch, "dump-package"], in: TestStack.root
        )
        #expect(dump.status == 0)
        let manifest = try #require(try JSONSerialization.jsonObject(with: dump.output) as? [String: Any])
        let targets = try #require(manifest["targets"] as? [[String: Any]])
        var checked = 0
        for target in targets {
            guard let name = target["name"] as? String, let path = target["path"] as? String ?? Self.defaultPath(target) else { continue }
            let declared = Set((target["dependencies"] as? [[String: Any]] ?? []).compactMap(Self.moduleName))
            let imported = try Self.imports(under: TestStack.root.appendingPathComponent(path))
            let undeclared = imported.subtracting(declared).subtracting(Self.system).subtracting([name])
            #expect(undeclared.isEmpty, "\(name) imports \(undeclared.sorted().joined(separator: ", ")) without declaring it in Package.swift")
            checked += 1
        }
        #expect(checked >= 20, "every target was looked at (\(checked))")
    }

    /// Package.resolved does not travel with the code, so the manifest itself names the exact version of
    /// each dependency: two builds of one commit get the same code.
    @Test func everyDependencyIsPinnedToAnExactVersion() throws {
        let manifest = try String(contentsOf: TestStack.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let dependencies = manifest.matches(of: /\.package\(url: "([^"]+)", ([^)]*)\)/)
        #expect(dependencies.count >= 10, "the manifest's dependencies were read")
        for dependency in dependencies {
            #expect(dependency.output.2.wholeMatch(of: /exact: "\d+\.\d+\.\d+"/) != nil, "\(dependency.output.1) is not pinned: \(dependency.output.2)")
        }
    }

    /// The module a manifest dependency names: a target by name, or a product.
    static func moduleName(_ dependency: [String: Any]) -> String? {
        for key in ["byName", "target", "product"] {
            if let values = dependency[key] as? [Any], let first = values.first as? String { return first }
        }
        return nil
    }

    static func defaultPath(_ target: [String: Any]) -> String? {
        guard let name = target["name"] as? String else { return nil }
        return (target["type"] as? String) == "test" ? "Tests/\(name)" : "Sources/\(name)"
    }

    static func imports(under folder: URL) throws -> Set<String> {
        var modules: Set<String> = []
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        for case let file as URL in files where file.pathExtension == "swift" {
            // Lines inside multi-line string literals (scripts for other languages) are not Swift.
            var inString = false
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                if line.components(separatedBy: "\"\"\"").count % 2 == 0 { inString.toggle() }
                guard !inString else { continue }
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                      words[..<index].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "internal" }) else { continue }
                modules.insert(String(words[index + 1].split(separator: ".")[0]))
            }
        }
        return modules
    }
}
