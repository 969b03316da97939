// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "HyperVAgent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hyperv-agent", targets: ["hyperv-agent"]),
        .executable(name: "winrm-fixture", targets: ["winrm-fixture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // C layer: flags + typed shims.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        .systemLibrary(name: "CGSSAPI", providers: [.apt(["libkrb5-dev"])]),
        .target(name: "CGSSShims", dependencies: ["CGSSAPI"], linkerSettings: [.linkedLibrary("gssapi_krb5"), .linkedLibrary("krb5"), .linkedLibrary("crypto")]),
        // GSS-API for WinRM: SPNEGO contexts (Kerberos, NTLM through gss-ntlmssp), message sealing and its framing.
        .target(name: "WinRMSecurity", dependencies: ["CGSSShims"]),

        // XML layer.
        .target(name: "XMLSupport", dependencies: ["CLibXML2"]),
        // WS-Management protocol (no libcurl).
        .target(name: "WSMan", dependencies: ["XMLSupport"]),
        // libcurl transport.
        .target(
            name: "WSManCurl",
            dependencies: ["WSMan", "WinRMSecurity", "CCurlShims", .product(name: "Logging", package: "swift-log")]),
        // Hyper-V on WMI v2: VMs, checkpoints, jobs, disk chains.
        .target(name: "HyperV", dependencies: ["WSMan", .product(name: "Logging", package: "swift-log")]),
        // The checkpoint service: take / revert / delete / inspect / recover, consistency policy, journal, per-VM
        // exclusion across processes. Knows nothing of CloudStack.
        .target(
            name: "Checkpoints", dependencies: ["HyperV", "WSMan", .product(name: "Logging", package: "swift-log")]),
        // CloudStack: GSON-compatible models, one thin handler per command onto the checkpoint service.
        .target(
            name: "CloudStack",
            dependencies: ["Checkpoints", "HyperV", "WSMan", .product(name: "Logging", package: "swift-log")]),
        // The CloudStack 4.21+ extension entry point (`hyperv-agent extension`): payload, actions, one JSON answer.
        .target(
            name: "CloudStackExtension",
            dependencies: ["CloudStack", "Checkpoints", "HyperV", .product(name: "Logging", package: "swift-log")]),
        // The CloudStack command channel (HTTPS), allow-list, upstream pass-through, logging.
        .target(
            name: "AgentServer",
            dependencies: [
                "CloudStack", "AgentConfig", "WSManCurl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Configuration file shared by every subcommand.
        .target(name: "AgentConfig"),
        // Test/fixture WinRM server (never imports HyperV or CloudStack).
        .target(
            name: "WinRMFixture",
            dependencies: [
                "WSMan", "XMLSupport", "WinRMSecurity", "WSManCurl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "hyperv-agent",
            dependencies: [
                "WSMan", "WSManCurl", "AgentConfig", "HyperV", "Checkpoints", "CloudStack", "CloudStackExtension",
                "AgentServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "hyperv-bench",
            dependencies: [
                "WSMan", "WSManCurl", "XMLSupport", "HyperV", "Checkpoints", "CloudStack", "WinRMFixture",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "winrm-fixture",
            dependencies: [
                "WinRMFixture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Test helpers shared by the test targets (a manual clock, child processes, a quiet fixture).
        .target(
            name: "TestSupport",
            dependencies: ["HyperV", "WinRMFixture", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"),

        .testTarget(name: "XMLSupportTests", dependencies: ["XMLSupport"]),
        .testTarget(name: "WSManTests", dependencies: ["WSMan", "XMLSupport"], resources: [.copy("Samples")]),
        .testTarget(name: "AgentConfigTests", dependencies: ["AgentConfig"]),
        .testTarget(name: "WinRMSecurityTests", dependencies: ["WinRMSecurity", "CGSSShims", "TestSupport"]),
        .testTarget(
            name: "CloudStackTests",
            dependencies: [
                "CloudStack", "Checkpoints", "TestSupport", "HyperV", "WSMan", "WinRMFixture", "WSManCurl",
                .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Commands")]),
        .testTarget(
            name: "AgentServerTests",
            dependencies: [
                "AgentServer", "CloudStack", "Checkpoints", "HyperV", "TestSupport", "WinRMFixture", "WSMan", "WSManCurl",
                "AgentConfig",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Commands")]),
        .testTarget(
            name: "CloudStackExtensionTests",
            dependencies: [
                "CloudStackExtension", "CloudStack", "Checkpoints", "HyperV", "TestSupport", "WSMan", "WinRMFixture",
                "WSManCurl", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "HyperVTests",
            dependencies: [
                "HyperV", "Checkpoints", "TestSupport", "WSMan", "WinRMFixture", "WSManCurl",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "WSManCurlTests",
            dependencies: [
                "WSManCurl", "TestSupport", "WSMan", "WinRMFixture", "WinRMSecurity", .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Certificates")]),
        .testTarget(
            name: "WinRMFixtureTests",
            dependencies: [
                "WinRMFixture", "TestSupport", "WSMan", "WSManCurl", "XMLSupport",
                .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Transcripts"), .copy("Schemas")]),
    ]
)
