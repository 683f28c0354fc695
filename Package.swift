// swift-tools-version:6.1
import PackageDescription

// Each service is a library (built the same way by production and by tests) plus a thin
// executable that only reads configuration and runs it.
let services = ["Authorizations", "Sessions", "Verification", "Notifications"]

// What a service needs beyond the models and the service kit.
let serviceDependencies: [String: [Target.Dependency]] = [
    "Notifications": [
        "ExamHallMail", .product(name: "Mustache", package: "swift-mustache"),
        // SHA-256 names a session change in business terms (EmailOccurrence).
        .product(name: "Crypto", package: "swift-crypto"),
    ],
]

let serviceTargets: [Target] = services.flatMap { name -> [Target] in
    [
        .target(
            name: "\(name)Service",
            dependencies: [
                "ExamHallModels", "ExamHallServiceKit", "ExamHallStorage", .product(name: "Hummingbird", package: "hummingbird"),
            ] + serviceDependencies[name, default: []],
            path: "Services/\(name)/\(name)Service",
            resources: [.copy("Migrations")]
        ),
        .executableTarget(
            name: "\(name)Main",
            dependencies: [.target(name: "\(name)Service"), "ExamHallServiceKit"],
            path: "Services/\(name)/Main"
        ),
    ]
}

// The console: the web front end for people. Built like a service (it owns the `console` schema and
// an inbox), with templates and static files shipped as resources.
let consoleTargets: [Target] = [
    .target(
        name: "ConsoleService",
        dependencies: [
            "ExamHallModels", "ExamHallServiceKit", "ExamHallMail", "ExamHallStorage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        path: "Services/Console/ConsoleService",
        resources: [.copy("Migrations"), .copy("Templates"), .copy("Static")]
    ),
    .executableTarget(
        name: "ConsoleMain",
        dependencies: ["ConsoleService"],
        path: "Services/Console/Main"
    ),
]

let serviceProducts: [Product] = services.map { name in
    .executable(name: "examhall-\(name.lowercased())", targets: ["\(name)Main"])
} + [.executable(name: "examhall-console", targets: ["ConsoleMain"])]

let package = Package(
    name: "ExamHall",
    platforms: [.macOS(.v14)],
    products: serviceProducts + [
        .executable(name: "examhall", targets: ["ExamHallCLI"]),
        .executable(name: "examhall-bench", targets: ["ExamHallBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
    ],
    targets: serviceTargets + consoleTargets + [
        // C libraries named by the design: rabbitmq-c and libpq; and libcurl for SMTP.
        .systemLibrary(
            name: "CRabbitMQ", path: "Shared/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // Events, envelope, value types and state machines: pure Swift, no I/O.
        .target(name: "ExamHallModels", path: "Shared/Models"),

        // AMQP on rabbitmq-c: the only module that imports CRabbitMQ.
        .target(
            name: "ExamHallMessaging",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging"
        ),

        // PostgreSQL on libpq: the only module that imports CLibPQ.
        .target(
            name: "ExamHallStorage",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/Storage"
        ),

        // Email: MIME messages, and SMTP on libcurl (the only module that imports CCurl) or .eml files.
        .target(
            name: "ExamHallMail",
            dependencies: ["CCurl", "ExamHallModels"],
            path: "Shared/Mail"
        ),

        // What every service runs: config, logs, metrics, health, HTTP, auth, outbox, inbox, scheduler.
        .target(
            name: "ExamHallServiceKit",
            dependencies: [
                "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                // Fetches the key set that access tokens are verified against (EXAMHALL_JWKS_URL).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Shared/ServiceKit",
            resources: [.copy("Migrations")]
        ),

        .executableTarget(
            name: "ExamHallCLI",
            dependencies: [
                "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                // `examhall topology` reads each service's handler registry: the bindings of its inbox.
                "SessionsService", "AuthorizationsService", "VerificationService", "NotificationsService", "ConsoleService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/examhall"
        ),
        .executableTarget(
            name: "ExamHallBench",
            dependencies: [
                "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit", "ExamHallMail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tools/examhall-bench"
        ),

        // Tests: pure domain, then real database/broker, then real executables.
        .target(
            name: "ExamHallTestSupport",
            dependencies: [
                "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ModelsTests", dependencies: ["ExamHallModels"]),
        .testTarget(
            name: "InfrastructureTests",
            dependencies: [
                "ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AuthorizationsServiceTests",
            dependencies: [
                "AuthorizationsService", "ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "SessionsServiceTests",
            dependencies: [
                "SessionsService", "ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "VerificationServiceTests",
            dependencies: [
                "VerificationService", "ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "NotificationsServiceTests",
            dependencies: [
                "NotificationsService", "ExamHallTestSupport", "ExamHallMail", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage",
                "ExamHallServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SecurityTests",
            dependencies: [
                "AuthorizationsService", "SessionsService", "VerificationService", "NotificationsService", "ExamHallTestSupport",
                "ExamHallServiceKit", "ExamHallStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit",
                // Tokens as an attacker would make them, and staff accounts as the console stores them.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        .testTarget(name: "ConsoleTests", dependencies: ["ConsoleService", "ExamHallServiceKit"]),
        // The chaos suite: the real executables under crashes, restarts and network faults. `scripts/test`
        // runs it short; `scripts/chaos` runs it at full size.
        .testTarget(
            name: "ChaosTests",
            dependencies: ["ExamHallTestSupport", "ExamHallModels", "ExamHallMessaging", "ExamHallStorage", "ExamHallServiceKit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
