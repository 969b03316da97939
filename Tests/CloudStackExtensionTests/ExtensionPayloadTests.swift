import CloudStack
import CloudStackExtension
import Foundation
import Testing

/// Payload files as the management server writes them (GSON, string maps under `externaldetails`, the VM TO under
/// `cloudstack.vm.details`, `caller`, typed `parameters`), and everything hostile.
@Suite struct ExtensionPayloadTests {
    @Test func readsWhatTheManagementServerWrites() throws {
        let payload = try ExtensionPayload(json: Array(PayloadBuilder(url: "hv01.example.org").json().utf8))
        #expect(payload.host.url == "hv01.example.org")
        #expect(payload.host.username == "HV\\svc-cloud")
        #expect(payload.host.password == "s3cret-pw")
        #expect(payload.host.verifyTLS == false)
        #expect(payload.vmName == "i-2-17-VM")
        #expect(try payload.host.endpoint() == "https://hv01.example.org:5986/wsman")
        #expect(try payload.requireString("snapshot_name", action: .createSnapshot) == "daily")
        #expect(try payload.flag("quiesce", default: true) == false)
        #expect(try payload.flag("snapshot_memory", default: false) == true)
    }

    @Test func vmNameFallsBackToVirtualMachineName() throws {
        var builder = PayloadBuilder(url: "hv01")
        builder.vmTO = false
        let payload = try ExtensionPayload(json: Array(builder.json().utf8))
        #expect(payload.vmName == "i-2-17-VM")
        builder.vmName = nil
        let none = try ExtensionPayload(json: Array(builder.json().utf8))
        #expect(throws: ExtensionError.self) { try none.requireVM() }
    }

    @Test(arguments: [
        ("hv01", "https://hv01:5986/wsman"), ("hv01:5985", "https://hv01:5985/wsman"),
        ("10.0.0.5", "https://10.0.0.5:5986/wsman"), ("fd00::5", "https://[fd00::5]:5986/wsman"),
        ("[fd00::5]:443", "https://[fd00::5]:443/wsman"),
        ("http://127.0.0.1:5985/wsman", "http://127.0.0.1:5985/wsman"),
        ("https://hv01.example.org:5986", "https://hv01.example.org:5986/wsman"),
        ("HTTPS://hv01/custom", "HTTPS://hv01/custom"),
    ])
    func endpointFromTheHostURL(url: String, expected: String) throws {
        let access = ExtensionPayload.HostAccess(url: url, username: nil, password: nil, verifyTLS: nil)
        #expect(try access.endpoint() == expected)
    }

    @Test func missingOrOddHostURL() {
        for url in [nil, "", "hv01/wsman", "two words"] {
            let access = ExtensionPayload.HostAccess(url: url, username: nil, password: nil, verifyTLS: nil)
            #expect(throws: ExtensionError.self) { try access.endpoint() }
        }
    }

    @Test func booleansAsJSONOrStrings() throws {
        func flag(_ value: String) throws -> Bool {
            let payload = try ExtensionPayload(json: Array(#"{"parameters":{"quiesce":\#(value)}}"#.utf8))
            return try payload.flag("quiesce", default: true)
        }
        #expect(try flag("false") == false)
        #expect(try flag("true") == true)
        #expect(try flag(#""FALSE""#) == false)
        #expect(try flag(#""True""#) == true)
        #expect(try flag("null") == true)
        #expect(try flag(#""""#) == true)
        #expect(throws: ExtensionError.self) { try flag(#""yes""#) }
        #expect(throws: ExtensionError.self) { try flag("1") }
    }

    @Test func namesAreTakenVerbatim() throws {
        let name = #"  a"$(reboot)'b; rm -rf / `x` %PATH% & | < > \ 日本  "#
        var builder = PayloadBuilder(url: "hv01")
        builder.parameters = ["snapshot_name": name]
        let payload = try ExtensionPayload(json: Array(builder.json().utf8))
        #expect(try payload.requireString("snapshot_name", action: .createSnapshot) == name)
    }

    @Test func missingParameterNamesIt() throws {
        var builder = PayloadBuilder(url: "hv01")
        builder.parameters = [:]
        let payload = try ExtensionPayload(json: Array(builder.json().utf8))
        do {
            _ = try payload.requireString("snapshot_name", action: .restoreSnapshot)
            Issue.record("a missing snapshot_name must fail")
        } catch {
            #expect(error.code == .missingParameter)
            #expect(error.message.contains("snapshot_name") && error.message.contains("restoresnapshot"))
        }
    }

    @Test(arguments: [
        "", "null", "[]", "\"text\"", "{", #"{"externaldetails":"#, String(repeating: "[", count: 100_000),
        "{\"a\":\"\u{0}\"", "\u{FEFF}{}x",
    ])
    func hostilePayloadsAreCleanErrors(text: String) {
        do {
            _ = try ExtensionPayload(json: Array(text.utf8))
            Issue.record("\(text.prefix(20)) must be refused")
        } catch {
            #expect(error.code == .invalidPayload)
        }
    }

    @Test func oversizedPayloadIsRefusedBeforeParsing() {
        let bytes = [UInt8](repeating: UInt8(ascii: " "), count: ExtensionPayload.maxBytes + 1)
        do {
            _ = try ExtensionPayload(json: bytes)
            Issue.record("an oversized payload must be refused")
        } catch {
            #expect(error.code == .invalidPayload && error.message.contains("bytes"))
        }
    }

    @Test func wrongTypesAreIgnoredOrRefused() throws {
        let payload = try ExtensionPayload(
            json: Array(
                #"{"externaldetails":{"host":{"url":5986,"username":["x"]}},"parameters":{"snapshot_name":{"a":1}}}"#
                    .utf8))
        #expect(payload.host.url == "5986")
        #expect(payload.host.username == nil)
        #expect(throws: ExtensionError.self) { try payload.requireString("snapshot_name", action: .createSnapshot) }
    }
}

/// Builds payload files the way the management server does: host details (with the keys `hyperv.py` needs for its
/// other actions), extension details, the VM TO, caller, and the custom action's parameters.
struct PayloadBuilder {
    var url: String
    var username = "HV\\svc-cloud"
    var password = "s3cret-pw"
    var verifyTLS: String? = "false"
    var vmName: String? = "i-2-17-VM"
    var vmTO = true
    var action = "CreateSnapshot"
    var parameters: [String: Any]? = ["snapshot_name": "daily", "quiesce": false, "snapshot_memory": "true"]

    func json() throws -> String {
        var host: [String: Any] = [
            "url": url, "username": username, "password": password, "network_switch": "vSwitch0",
            "vhd_path": "D:\\Hyper-V\\Disks", "vm_path": "D:\\Hyper-V\\VMs",
        ]
        if let verifyTLS { host["verify_tls_certificate"] = verifyTLS }
        var object: [String: Any] = [
            "action": action,
            "externaldetails": [
                "host": host, "extension": ["orchestratorrequirespreparevm": "false"],
                "virtualmachine": ["template_type": "template", "generation": "2"],
            ],
            "virtualmachineid": "9a4b2f6e-1c3d-4e5f-8a7b-0c1d2e3f4a5b",
            "caller": [
                "accountid": "2", "accountname": "admin", "accounttype": "ADMIN", "roleid": "1",
                "rolename": "Root Admin", "roletype": "Admin",
            ],
        ]
        if let vmName {
            object["virtualmachinename"] = vmName
            if vmTO {
                object["cloudstack.vm.details"] = [
                    "name": vmName, "uuid": "9a4b2f6e-1c3d-4e5f-8a7b-0c1d2e3f4a5b", "cpus": 2, "minRam": 2_147_483_648,
                    "maxRam": 2_147_483_648, "arch": "x86_64", "details": ["deployvm": "false"],
                    "nics": [
                        [
                            "uuid": "0f0e0d0c", "deviceId": 0, "mac": "02:00:4c:5a:00:01", "ip": "10.1.1.20",
                            "netmask": "255.255.255.0", "gateway": "10.1.1.1", "broadcastUri": "vlan://100",
                        ]
                    ],
                ]
            }
        }
        if let parameters { object["parameters"] = parameters }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
