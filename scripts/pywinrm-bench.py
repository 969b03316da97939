#!/usr/bin/env python3
"""The peer for `make bench`: the same WS-Man sequence as hyperv-bench's comparison loop, done with pywinrm
(the library CloudStack's Hyper-V extension uses) against the same winrm-fixture.

Per iteration: Enumerate (optimized) the VM by name, Get the VM, GetVirtualHardDiskSettingData on its base disk;
each answer parsed with xmltodict (pywinrm's own parser) and the same fields read.
Usage: pywinrm-bench.py URL USER ITERATIONS   (password in WINRM_BENCH_PASSWORD). Prints the median ms.
"""
import os, statistics, sys, time, uuid
from winrm.protocol import Protocol
import xmltodict

url, user, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = Protocol(endpoint=url, transport="basic", username=user, password=os.environ["WINRM_BENCH_PASSWORD"],
             server_cert_validation="ignore", message_encryption="never")
V2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2"

def envelope(resource, action, body, selectors=()):
    sel = "".join(f'<w:Selector Name="{k}">{v}</w:Selector>' for k, v in selectors)
    return (f'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            f'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
            f'<s:Header><a:To>{url}</a:To><w:ResourceURI s:mustUnderstand="true">{resource}</w:ResourceURI>'
            f'<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
            f'<a:Action s:mustUnderstand="true">{action}</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize>'
            f'<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID><w:Locale xml:lang="en-US" s:mustUnderstand="false"/>'
            f'<w:OperationTimeout>PT60S</w:OperationTimeout>{"<w:SelectorSet>" + sel + "</w:SelectorSet>" if sel else ""}</s:Header>'
            f'<s:Body>{body}</s:Body></s:Envelope>')

ns = {"http://www.w3.org/2003/05/soap-envelope": "s", "http://schemas.xmlsoap.org/ws/2004/09/enumeration": "n",
      "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd": "w"}

def parse(text):
    return xmltodict.parse(text, process_namespaces=True, namespaces=ns)

timings = []
for _ in range(iterations):
    start = time.perf_counter()
    wql = "SELECT * FROM Msvm_ComputerSystem WHERE ElementName = 'i-2-17-VM'"
    answer = parse(p.send_message(envelope(V2 + "/*", "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
        f'<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements><w:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">{wql}</w:Filter></n:Enumerate>')))
    vm = list(answer["s:Envelope"]["s:Body"]["n:EnumerateResponse"]["w:Items"].values())[0]
    name = vm[V2 + "/Msvm_ComputerSystem:Name"]
    got = parse(p.send_message(envelope(V2 + "/Msvm_ComputerSystem", "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", "",
        [("CreationClassName", "Msvm_ComputerSystem"), ("Name", name)])))
    state = list(got["s:Envelope"]["s:Body"].values())[0][V2 + "/Msvm_ComputerSystem:EnabledState"]
    svc = V2 + "/Msvm_ImageManagementService"
    out = parse(p.send_message(envelope(svc, svc + "/GetVirtualHardDiskSettingData",
        f'<p:GetVirtualHardDiskSettingData_INPUT xmlns:p="{svc}"><p:Path>C:\\ClusterStorage\\Volume1\\19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx</p:Path></p:GetVirtualHardDiskSettingData_INPUT>',
        [("CreationClassName", "Msvm_ImageManagementService")])))
    data = xmltodict.parse(list(out["s:Envelope"]["s:Body"].values())[0][svc + ":SettingData"])
    assert state and data["INSTANCE"]["@CLASSNAME"] == "Msvm_VirtualHardDiskSettingData"
    timings.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(timings):.3f}")
