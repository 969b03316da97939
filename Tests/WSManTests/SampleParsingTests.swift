import Foundation
import Testing
import WSMan
import XMLSupport

/// Every file of `shared/wsman-samples/` must parse; key values are asserted per sample.
@Suite struct SampleParsingTests {
    @Test func everySampleParses() throws {
        #expect(Samples.names.count >= 14)
        for name in Samples.names {
            let document = try XMLDocument.parse(try Samples.bytes(name))
            _ = try document.soapBody()
        }
    }

    @Test func enumerateResponseCarriesAContext() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-enumerate-response-affectedjobelement.xml"))
        #expect(page.context == "uuid:00000000-0000-4000-8000-000000000076")
        #expect(page.items.isEmpty)
        #expect(!page.endOfSequence)
    }

    @Test func lastPullPageHasCreateEffectAndSnapshotEPR() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-pull-affectedjobelement-created-eos.xml"))
        #expect(page.endOfSequence)
        #expect(page.context == nil)
        let row = try #require(page.items.first)
        #expect(row.className == "Msvm_AffectedJobElement")
        #expect(row.ints("ElementEffects") == [5])
        let affected = try #require(row.reference("AffectedElement"))
        #expect(affected.className == "Msvm_VirtualSystemSettingData")
        #expect(affected.selector("InstanceID") == "Microsoft:00000000-0000-4000-8000-000000000083")
        #expect(row.reference("AffectingElement")?.selector("InstanceID") == "00000000-0000-4000-8000-000000000066")
    }

    @Test func midSequencePullShowsComputerSystemSelectors() throws {
        let page = try EnumerationPage.read(
            body: try Samples.body("real-pull-affectedjobelement-computersystem-epr.xml"))
        #expect(!page.endOfSequence)
        #expect(page.context == "uuid:00000000-0000-4000-8000-000000000080")
        let row = try #require(page.items.first)
        #expect(row.ints("ElementEffects") == [0])
        let vm = try #require(row.reference("AffectedElement"))
        #expect(
            vm.selectors == [
                Selector("CreationClassName", "Msvm_ComputerSystem"),
                Selector("Name", "00000000-0000-4000-8000-000000000003"),
            ])
    }

    @Test func computerSystemKeepsNilsOutAndDatetimesTyped() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-pull-computersystem-vm-off.xml"))
        let vm = try #require(page.items.first)
        #expect(vm.className == "Msvm_ComputerSystem")
        #expect(vm.resourceURI == ResourceURI.v2("Msvm_ComputerSystem"))
        #expect(vm.int("EnabledState") == 3)
        #expect(vm.string("ElementName") == "scrubbed-9")
        #expect(vm.string("Name") == "00000000-0000-4000-8000-000000000012")
        #expect(vm["InstanceID"] == nil)
        #expect(vm.nilProperties.contains("InstanceID"))
        #expect(vm.nilProperties.contains("ProcessID"))
        #expect(vm["InstallDate"] == .datetime("2026-10-08T15:15:36.68424Z"))
        #expect(vm.ints("OperationalStatus") == [2])
    }

    @Test func rasdWithWhitespaceAndBackslashes() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-pull-rasd-xsinil.xml"))
        let rasd = try #require(page.items.first)
        #expect(rasd.string("InstanceID") == #"Microsoft:Definition\00000000-0000-0000-0000-00000000ABCD\Increment"#)
        #expect(rasd.bool("AutomaticAllocation") == true)
        #expect(rasd.int("ResourceType") == 17)
        #expect(rasd["ElementName"] == nil && rasd.nilProperties.contains("ElementName"))
        #expect(rasd.string("PoolID")?.trimmedXMLWhitespace == "")
    }

    @Test func embeddedVHDSettingDataParses() throws {
        let output = try InvokeOutput.read(
            body: try Samples.body("semireal-invoke-getvirtualharddisksettingdata.xml"),
            method: "GetVirtualHardDiskSettingData")
        #expect(output.returnValue == 0)
        let settings = try CIMInstance.parse(cimXML: try #require(output.output.string("SettingData")))
        #expect(settings.className == "Msvm_VirtualHardDiskSettingData")
        #expect(settings["MaxInternalSize"] == "10737418240")
        #expect(settings["ParentPath"] == "")
        #expect(settings["Format"] == "3")
        #expect(settings["DataAlignment"] == nil)
    }

    @Test func createSnapshotOutputJobEPREvenWhenWrapped() throws {
        let output = try InvokeOutput.read(
            body: try Samples.body("synthetic-createsnapshot-output-4096.xml"), method: "CreateSnapshot")
        #expect(output.returnValue == 4096)
        #expect(output.job?.className == "Msvm_ConcreteJob")
        #expect(output.job?.selector("InstanceID") == "1A2B3C4D-5555-6666-7777-888899990000")
        #expect(output.output.reference("ResultingSnapshot") == nil)
    }

    @Test func failedJobGetResponse() throws {
        let body = try Samples.body("synthetic-get-concretejob-exception.xml")
        let job = WSManInstance.read(try #require(body.children.first))
        #expect(job.int("JobState") == 10)
        #expect(job.int("ErrorCode") == 32768)
        #expect(job.int("PercentComplete") == 65)
    }

    @Test func invokeRequestSampleIsReadableAsARequest() throws {
        let request = try IncomingRequest.read(try Samples.bytes("spec-mswsmv-4.1.4-invoke-request.xml"))
        #expect(request.action == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process/Create")
        #expect(request.resourceURI == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process")
        #expect(request.messageID == "uuid:9A989269-283B-4624-BAC5-BC291F72E854")
        #expect(request.invokeMethod == "Create")
        let input = try #require(request.invokeInput)
        #expect(input.string("CommandLine") == "notepad.exe")
    }

    @Test func wsmanFaultSampleIsClassified() throws {
        let response = WSManHTTPResponse(
            status: 500, contentType: "application/soap+xml",
            body: try Samples.bytes("pywinrm-fault-wsmanfault-schemavalidation.xml"))
        let error = #expect(throws: WSManError.self) {
            try ResponseClassifier.classify(
                response, operation: "Invoke CreateSnapshot",
                resource: ResourceURI.v2("Msvm_VirtualSystemSnapshotService"))
        }
        #expect(error?.code == .fault)
        #expect(error?.httpStatus == 500)
        #expect(error?.fault?.code == "Sender")
        #expect(error?.fault?.subcode == "SchemaValidationError")
        #expect(error?.fault?.wsmanCode == 2_150_858_817)
        #expect(error?.fault?.machine == "SERVER2008.domain.local")
        #expect(error?.description.contains("Invoke CreateSnapshot on Msvm_VirtualSystemSnapshotService") == true)
    }

    @Test func wmiErrorSampleIsClassified() throws {
        let response = WSManHTTPResponse(
            status: 500, contentType: nil, body: try Samples.bytes("pywinrm-fault-msft-wmierror.xml"))
        let error = #expect(throws: WSManError.self) {
            try ResponseClassifier.classify(response, operation: "Enumerate", resource: "Msvm_ComputerSystem")
        }
        #expect(error?.fault?.code == "Receiver")
        #expect(error?.fault?.subcode == "InternalError")
        #expect(error?.fault?.wmiErrorCode == 2_150_859_174)
        #expect(error?.fault?.cimStatusCode == 27)
        #expect(error?.fault?.message == "WMI Message.")
    }

    /// The host's own Msvm_ComputerSystem (ja-JP): its Name is the computer name, never a GUID — what the agent
    /// relies on to keep the host out of VM listings, on every locale (its Caption is localized).
    @Test func theHostIsTheOneWhoseNameIsNoGUID() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-pull-computersystem-host-ja.xml"))
        let host = try #require(page.items.first)
        #expect(host.string("Caption") == "ホスト コンピューター システム")
        #expect(UUID(uuidString: host.string("Name") ?? "") == nil)
        #expect(page.context != nil && !page.endOfSequence)
        let last = try EnumerationPage.read(body: try Samples.body("real-pull-computersystem-vm-running-eos.xml"))
        #expect(last.endOfSequence && last.context == nil)
        let vm = try #require(last.items.first)
        #expect(UUID(uuidString: vm.string("Name") ?? "") != nil)
        #expect(vm.int("EnabledState") == 2 && vm.int("RequestedState") == 5)
        #expect(vm.string("TransitioningToState") == nil)
    }

    /// A CreateSnapshot job's row for the VM itself (ElementEffects 0) is not the created checkpoint (5).
    @Test func anAffectedJobElementRowForTheVMIsNotTheCheckpoint() throws {
        let page = try EnumerationPage.read(body: try Samples.body("real-pull-affectedjobelement-effect0.xml"))
        let row = try #require(page.items.first)
        #expect(row.ints("ElementEffects") == [0])
        #expect(row.reference("AffectedElement")?.selector("CreationClassName") == "Msvm_ComputerSystem")
        #expect(row.reference("AffectingElement")?.selector("InstanceID") == "00000000-0000-4000-8000-000000000066")
    }
}
