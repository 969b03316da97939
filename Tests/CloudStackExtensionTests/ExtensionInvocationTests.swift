import CloudStackExtension
import Testing

/// The argument list exactly as the management server builds it (`<entry point> <action> <payload file> <wait>`),
/// with a wrapper's `--config` anywhere.
@Suite struct ExtensionInvocationTests {
    @Test func managementServerArgv() throws {
        let invocation = try ExtensionInvocation(arguments: ["CreateSnapshot", "/var/lib/x/1.json", "600"])
        #expect(invocation.action == "CreateSnapshot")
        #expect(invocation.payloadPath == "/var/lib/x/1.json")
        #expect(invocation.wait == 600)
        #expect(invocation.configPath == nil)
        #expect(invocation.forwarded == ["CreateSnapshot", "/var/lib/x/1.json", "600"])
        #expect(ExtensionAction(argument: invocation.action) == .createSnapshot)
    }

    @Test func configAnywhereAndNotForwarded() throws {
        for arguments in [
            ["--config", "/etc/a.conf", "status", "/p.json", "5"],
            ["status", "/p.json", "5", "--config", "/etc/a.conf"],
            ["status", "--config=/etc/a.conf", "/p.json", "5"],
        ] {
            let invocation = try ExtensionInvocation(arguments: arguments)
            #expect(invocation.configPath == "/etc/a.conf")
            #expect(invocation.forwarded == ["status", "/p.json", "5"])
        }
    }

    @Test func waitZeroOrAbsentMeansNoLimit() throws {
        #expect(try ExtensionInvocation(arguments: ["status", "/p.json", "0"]).wait == nil)
        #expect(try ExtensionInvocation(arguments: ["status", "/p.json"]).wait == nil)
    }

    @Test(arguments: [
        [], ["status"], ["status", "/p.json", "5", "extra"], ["status", "/p.json", "soon"],
        ["status", "/p.json", "-1"], ["status", "/p.json", "--config"],
    ])
    func usageErrors(arguments: [String]) {
        #expect(throws: ExtensionError.self) { try ExtensionInvocation(arguments: arguments) }
        do { _ = try ExtensionInvocation(arguments: arguments) } catch { #expect(error.code == .usage) }
    }

    @Test func actionsMatchCaseInsensitively() {
        #expect(ExtensionAction(argument: "RestoreSnapshot") == .restoreSnapshot)
        #expect(ExtensionAction(argument: "LISTSNAPSHOTS") == .listSnapshots)
        #expect(ExtensionAction(argument: "Statuses") == .statuses)
        #expect(ExtensionAction(argument: "start") == nil)
        #expect(ExtensionAction(argument: "suspend") == nil)
    }

    @Test func deadlineLeavesTimeToAnswer() {
        let short = ExtensionDeadline(waitSeconds: 5)
        #expect(short.operationTimeout == .milliseconds(4500))
        #expect(short.watchdog == .milliseconds(4700))
        let long = ExtensionDeadline(waitSeconds: 600)
        #expect(long.operationTimeout == .seconds(595))
        let medium = ExtensionDeadline(waitSeconds: 20)
        #expect(medium.operationTimeout == .seconds(18))
        #expect(ExtensionDeadline(waitSeconds: nil).operationTimeout == nil)
        #expect(ExtensionDeadline(waitSeconds: nil).watchdog == nil)
        #expect(ExtensionDeadline.tighter(.seconds(3), .seconds(9)) == .seconds(3))
        #expect(ExtensionDeadline.tighter(nil, .seconds(9)) == .seconds(9))
        #expect(ExtensionDeadline.tighter(nil, nil) == nil)
    }
}
