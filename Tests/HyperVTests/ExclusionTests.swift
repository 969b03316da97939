import Checkpoints
import Foundation
import TestSupport
import Testing

@Suite struct ExclusionTests {
    @Test func aDifferentOperationIsRefusedAndTheSameOneJoins() async throws {
        let exclusion = VMExclusion(lockDirectory: nil)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let (started, signal) = AsyncStream<Void>.makeStream()
        async let first = exclusion.run(vm: "vm", operation: "taking checkpoint a") { () async -> Int in
            signal.yield()
            for await _ in gate { break }
            return 42
        }
        for await _ in started { break }
        let refused = await #expect(throws: CheckpointError.self) {
            try await exclusion.run(vm: "vm", operation: "deleting checkpoint a") { 0 }
        }
        #expect(refused?.code == .vmBusy)
        #expect(
            refused?.message
                == "VM vm is busy taking checkpoint a; one checkpoint operation runs per VM at a time — retry when it has finished"
        )
        async let joined = exclusion.run(vm: "vm", operation: "taking checkpoint a") { 0 }
        let other = try await exclusion.run(vm: "other-vm", operation: "deleting checkpoint a") { 7 }
        #expect(other == 7, "another VM is not held up")
        open.yield()
        #expect(try await first == 42)
        #expect(try await joined == 42)
        #expect(await exclusion.busyVMs.isEmpty)
    }

    @Test func theLockFileHoldsAgainstAnotherDescriptorAndNamesTheHolder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("locks-\(UUID().uuidString)").path
        var held: VMLockFile? = try VMLockFile.acquire(
            directory: directory, vm: "i-2-17-VM", operation: "taking checkpoint x")
        #expect(held != nil)
        #expect(throws: VMLockFile.Failure.self) {
            try VMLockFile.acquire(directory: directory, vm: "i-2-17-VM", operation: "other")
        }
        do {
            _ = try VMLockFile.acquire(directory: directory, vm: "i-2-17-VM", operation: "other")
        } catch .held(let holder) {
            #expect(holder?.pid == getpid() && holder?.operation == "taking checkpoint x")
        } catch {
            Issue.record("unexpected \(error)")
        }
        _ = try VMLockFile.acquire(directory: directory, vm: "i-2-18-VM", operation: "x")
        held = nil
        // Released when the holder closes: the same VM can be locked again.
        _ = try VMLockFile.acquire(directory: directory, vm: "i-2-17-VM", operation: "again")
    }

    /// Another process (util-linux `flock`) holds the VM's lock: the service refuses at once; once that process is
    /// killed, the lock is free.
    @Test func anotherProcessHoldingTheVMIsRefusedUntilItDies() async throws {
        let harness = ServiceHarness.make()
        let lockPath = harness.stateDirectory + "/locks/i-2-18-VM.lock"
        try FileManager.default.createDirectory(
            atPath: harness.stateDirectory + "/locks", withIntermediateDirectories: true)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // -o: only flock itself holds the lock (its command does not inherit it), so killing flock frees it.
        holder.arguments = ["-o", lockPath, "sh", "-c", "echo locked; exec cat"]
        let output = Pipe()
        let input = Pipe()
        holder.standardOutput = output
        holder.standardInput = input
        let (lines, line) = AsyncStream<String>.makeStream()
        output.fileHandleForReading.readabilityHandler = { handle in
            line.yield(String(decoding: handle.availableData, as: UTF8.self))
        }
        try holder.run()
        for await text in lines {
            #expect(text.hasPrefix("locked"))
            break
        }
        output.fileHandleForReading.readabilityHandler = nil
        let refused = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "x", consistency: .crashConsistent))
        }
        #expect(refused?.code == .vmBusy)
        #expect(refused?.message.contains("busy in another hyperv-agent process") == true)
        #expect(await harness.checkpoints(of: ServiceHarness.stoppedVMID).isEmpty, "nothing reached the host")
        kill(holder.processIdentifier, SIGKILL)
        // Returns once flock has exited (or at once when Foundation reaped it first: then it has exited too).
        _ = waitpid(holder.processIdentifier, nil, 0)
        try input.fileHandleForWriting.close()
        let report = try await harness.service.take(
            TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "x", consistency: .crashConsistent))
        #expect(report.checkpoint?.name == "x")
    }

    @Test func lockFileNamesAreSafeForAnyVMName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("locks-\(UUID().uuidString)").path
        for name in ["../../etc/passwd", "a/b", String(repeating: "é", count: 100), ".hidden", "vm with spaces"] {
            let lock = try VMLockFile.acquire(directory: directory, vm: name, operation: "x")
            #expect((lock.path as NSString).deletingLastPathComponent == directory)
            #expect((lock.path as NSString).lastPathComponent.utf8.count < 255)
        }
    }
}
