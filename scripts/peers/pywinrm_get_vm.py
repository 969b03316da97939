#!/usr/bin/env python3
"""pywinrm (an independent WinRM client: requests-ntlm + pyspnego) sends one sealed WS-Transfer Get of a VM to URL over
http with NTLM and message encryption, and prints the decrypted answer. Used by the tests to check winrm-fixture's
Negotiate acceptor and framing against a client the project did not write. Usage: URL USER PASSWORD VM_GUID"""
import sys

from winrm.protocol import Protocol

url, user, password, guid = sys.argv[1:5]
protocol = Protocol(endpoint=url, transport="ntlm", username=user, password=password, message_encryption="always")
request = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:To>%s</a:To>'
    '<w:ResourceURI s:mustUnderstand="true">'
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem</w:ResourceURI>"
    '<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'
    "</a:Address></a:ReplyTo>"
    '<a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>'
    '<w:MaxEnvelopeSize s:mustUnderstand="true">153600</w:MaxEnvelopeSize>'
    "<a:MessageID>uuid:0AB58087-C2C3-0005-0000-000000010000</a:MessageID><w:OperationTimeout>PT60S</w:OperationTimeout>"
    '<w:SelectorSet><w:Selector Name="CreationClassName">Msvm_ComputerSystem</w:Selector>'
    '<w:Selector Name="Name">%s</w:Selector></w:SelectorSet></s:Header><s:Body/></s:Envelope>' % (url, guid)
)
try:
    print(protocol.transport.send_message(request).decode())
except Exception as error:  # a SOAP fault still arrives decrypted in the exception
    print("ERROR %r" % (error,))
    sys.exit(1)
