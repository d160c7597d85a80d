// ASN.1 of H.225.0 (12/2009) module H323-MESSAGES and H.235.0 (09/2005) module
// H235-SECURITY-MESSAGES, transcribed from the ITU-T Recommendations with the
// comments dropped. asn1/notation.ts compiles it; the three H.245 types H.225.0
// imports (DataProtocolCapability, T38FaxProfile, QOSCapability) come from
// h245/asn.ts (h225/mod.ts).

export const H235_SECURITY_MESSAGES = `
ChallengeString ::= OCTET STRING(SIZE (8..128))
TimeStamp ::= INTEGER(1..4294967295)
RandomVal ::= INTEGER
Password ::= BMPString(SIZE (1..128))
Identifier ::= BMPString(SIZE (1..128))
KeyMaterial ::= BIT STRING(SIZE (1..2048))
H235NonStandardParameter ::= SEQUENCE { nonStandardIdentifier OBJECT IDENTIFIER, data OCTET STRING }
DHset ::= SEQUENCE { halfkey BIT STRING(SIZE (0..2048)), modSize BIT STRING(SIZE (0..2048)),
  generator BIT STRING(SIZE (0..2048)), ... }
ECpoint ::= SEQUENCE { x BIT STRING(SIZE (0..511)) OPTIONAL, y BIT STRING(SIZE (0..511)) OPTIONAL, ... }
ECKASDH ::= CHOICE {
  eckasdhp SEQUENCE { public-key ECpoint, modulus BIT STRING(SIZE (0..511)), base ECpoint,
    weierstrassA BIT STRING(SIZE (0..511)), weierstrassB BIT STRING(SIZE (0..511)) },
  eckasdh2 SEQUENCE { public-key ECpoint, fieldSize BIT STRING(SIZE (0..511)), base ECpoint,
    weierstrassA BIT STRING(SIZE (0..511)), weierstrassB BIT STRING(SIZE (0..511)) },
  ... }
ECGDSASignature ::= SEQUENCE { r BIT STRING(SIZE (0..511)), s BIT STRING(SIZE (0..511)) }
TypedCertificate ::= SEQUENCE { type OBJECT IDENTIFIER, certificate OCTET STRING, ... }
AuthenticationBES ::= CHOICE { default NULL, radius NULL, ... }
AuthenticationMechanism ::= CHOICE { dhExch NULL, pwdSymEnc NULL, pwdHash NULL, certSign NULL,
  ipsec NULL, tls NULL, nonStandard H235NonStandardParameter, ...,
  authenticationBES AuthenticationBES, keyExch OBJECT IDENTIFIER }
ClearToken ::= SEQUENCE { tokenOID OBJECT IDENTIFIER, timeStamp TimeStamp OPTIONAL,
  password Password OPTIONAL, dhkey DHset OPTIONAL, challenge ChallengeString OPTIONAL,
  random RandomVal OPTIONAL, certificate TypedCertificate OPTIONAL, generalID Identifier OPTIONAL,
  nonStandard H235NonStandardParameter OPTIONAL, ...,
  eckasdhkey ECKASDH OPTIONAL, sendersID Identifier OPTIONAL, h235Key H235Key OPTIONAL,
  profileInfo SEQUENCE OF ProfileElement OPTIONAL }
ProfileElement ::= SEQUENCE { elementID INTEGER(0..255), paramS Params OPTIONAL,
  element Element OPTIONAL, ... }
Element ::= CHOICE { octets OCTET STRING, integer INTEGER, bits BIT STRING, name BMPString,
  flag BOOLEAN, ... }
SIGNED{ToBeSigned} ::= SEQUENCE { toBeSigned ToBeSigned, algorithmOID OBJECT IDENTIFIER,
  paramS Params, signature BIT STRING }
ENCRYPTED{ToBeEncrypted} ::= SEQUENCE { algorithmOID OBJECT IDENTIFIER, paramS Params,
  encryptedData OCTET STRING }
HASHED{ToBeHashed} ::= SEQUENCE { algorithmOID OBJECT IDENTIFIER, paramS Params, hash BIT STRING }
IV8 ::= OCTET STRING(SIZE (8))
IV16 ::= OCTET STRING(SIZE (16))
Params ::= SEQUENCE { ranInt INTEGER OPTIONAL, iv8 IV8 OPTIONAL, ..., iv16 IV16 OPTIONAL,
  iv OCTET STRING OPTIONAL, clearSalt OCTET STRING OPTIONAL }
EncodedGeneralToken ::= TYPE-IDENTIFIER.&Type(ClearToken)
PwdCertToken ::= ClearToken
EncodedPwdCertToken ::= TYPE-IDENTIFIER.&Type(PwdCertToken)
CryptoToken ::= CHOICE {
  cryptoEncryptedToken SEQUENCE { tokenOID OBJECT IDENTIFIER, token ENCRYPTED{EncodedGeneralToken} },
  cryptoSignedToken SEQUENCE { tokenOID OBJECT IDENTIFIER, token SIGNED{EncodedGeneralToken} },
  cryptoHashedToken SEQUENCE { tokenOID OBJECT IDENTIFIER, hashedVals ClearToken,
    token HASHED{EncodedGeneralToken} },
  cryptoPwdEncr ENCRYPTED{EncodedPwdCertToken},
  ... }
H235Key ::= CHOICE { secureChannel KeyMaterial, sharedSecret ENCRYPTED{EncodedKeySyncMaterial},
  certProtectedKey SIGNED{EncodedKeySignedMaterial}, ..., secureSharedSecret V3KeySyncMaterial }
KeySignedMaterial ::= SEQUENCE { generalId Identifier, mrandom RandomVal, srandom RandomVal OPTIONAL,
  timeStamp TimeStamp OPTIONAL, encrptval ENCRYPTED{EncodedKeySyncMaterial} }
EncodedKeySignedMaterial ::= TYPE-IDENTIFIER.&Type(KeySignedMaterial)
KeySyncMaterial ::= SEQUENCE { generalID Identifier, keyMaterial KeyMaterial, ... }
EncodedKeySyncMaterial ::= TYPE-IDENTIFIER.&Type(KeySyncMaterial)
V3KeySyncMaterial ::= SEQUENCE { generalID Identifier OPTIONAL, algorithmOID OBJECT IDENTIFIER OPTIONAL,
  paramS Params, encryptedSessionKey OCTET STRING OPTIONAL, encryptedSaltingKey OCTET STRING OPTIONAL,
  clearSaltingKey OCTET STRING OPTIONAL, paramSsalt Params OPTIONAL,
  keyDerivationOID OBJECT IDENTIFIER OPTIONAL, ..., genericKeyMaterial OCTET STRING OPTIONAL }
`;

export const H323_MESSAGES = `
H323-UserInformation ::= SEQUENCE { h323-uu-pdu H323-UU-PDU,
  user-data SEQUENCE { protocol-discriminator INTEGER(0..255),
    user-information OCTET STRING(SIZE (1..131)), ... } OPTIONAL, ... }
H323-UU-PDU ::= SEQUENCE {
  h323-message-body CHOICE { setup Setup-UUIE, callProceeding CallProceeding-UUIE,
    connect Connect-UUIE, alerting Alerting-UUIE, information Information-UUIE,
    releaseComplete ReleaseComplete-UUIE, facility Facility-UUIE, ...,
    progress Progress-UUIE, empty NULL, status Status-UUIE, statusInquiry StatusInquiry-UUIE,
    setupAcknowledge SetupAcknowledge-UUIE, notify Notify-UUIE },
  nonStandardData NonStandardParameter OPTIONAL, ...,
  h4501SupplementaryService SEQUENCE OF OCTET STRING OPTIONAL,
  h245Tunnelling BOOLEAN,
  h245Control SEQUENCE OF OCTET STRING OPTIONAL,
  nonStandardControl SEQUENCE OF NonStandardParameter OPTIONAL,
  callLinkage CallLinkage OPTIONAL,
  tunnelledSignallingMessage SEQUENCE { tunnelledProtocolID TunnelledProtocol,
    messageContent SEQUENCE OF OCTET STRING, tunnellingRequired NULL OPTIONAL,
    nonStandardData NonStandardParameter OPTIONAL, ... } OPTIONAL,
  provisionalRespToH245Tunnelling NULL OPTIONAL,
  stimulusControl StimulusControl OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
StimulusControl ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL, isText NULL OPTIONAL,
  h248Message OCTET STRING OPTIONAL, ... }
Alerting-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, destinationInfo EndpointType,
  h245Address TransportAddress OPTIONAL, ...,
  callIdentifier CallIdentifier, h245SecurityMode H245Security OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  fastStart SEQUENCE OF OCTET STRING OPTIONAL, multipleCalls BOOLEAN, maintainConnection BOOLEAN,
  alertingAddress SEQUENCE OF AliasAddress OPTIONAL, presentationIndicator PresentationIndicator OPTIONAL,
  screeningIndicator ScreeningIndicator OPTIONAL, fastConnectRefused NULL OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL, capacity CallCapacity OPTIONAL,
  featureSet FeatureSet OPTIONAL, displayName SEQUENCE OF DisplayName OPTIONAL }
CallProceeding-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, destinationInfo EndpointType,
  h245Address TransportAddress OPTIONAL, ...,
  callIdentifier CallIdentifier, h245SecurityMode H245Security OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  fastStart SEQUENCE OF OCTET STRING OPTIONAL, multipleCalls BOOLEAN, maintainConnection BOOLEAN,
  fastConnectRefused NULL OPTIONAL, featureSet FeatureSet OPTIONAL }
Connect-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, h245Address TransportAddress OPTIONAL,
  destinationInfo EndpointType, conferenceID ConferenceIdentifier, ...,
  callIdentifier CallIdentifier, h245SecurityMode H245Security OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  fastStart SEQUENCE OF OCTET STRING OPTIONAL, multipleCalls BOOLEAN, maintainConnection BOOLEAN,
  language SEQUENCE OF IA5String(SIZE (1..32)) OPTIONAL,
  connectedAddress SEQUENCE OF AliasAddress OPTIONAL, presentationIndicator PresentationIndicator OPTIONAL,
  screeningIndicator ScreeningIndicator OPTIONAL, fastConnectRefused NULL OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL, capacity CallCapacity OPTIONAL,
  featureSet FeatureSet OPTIONAL, displayName SEQUENCE OF DisplayName OPTIONAL }
Information-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, ...,
  callIdentifier CallIdentifier, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, fastStart SEQUENCE OF OCTET STRING OPTIONAL,
  fastConnectRefused NULL OPTIONAL, circuitInfo CircuitInfo OPTIONAL }
ReleaseComplete-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier,
  reason ReleaseCompleteReason OPTIONAL, ...,
  callIdentifier CallIdentifier, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, busyAddress SEQUENCE OF AliasAddress OPTIONAL,
  presentationIndicator PresentationIndicator OPTIONAL, screeningIndicator ScreeningIndicator OPTIONAL,
  capacity CallCapacity OPTIONAL, serviceControl SEQUENCE OF ServiceControlSession OPTIONAL,
  featureSet FeatureSet OPTIONAL, destinationInfo EndpointType OPTIONAL,
  displayName SEQUENCE OF DisplayName OPTIONAL }
ReleaseCompleteReason ::= CHOICE { noBandwidth NULL, gatekeeperResources NULL,
  unreachableDestination NULL, destinationRejection NULL, invalidRevision NULL, noPermission NULL,
  unreachableGatekeeper NULL, gatewayResources NULL, badFormatAddress NULL, adaptiveBusy NULL,
  inConf NULL, undefinedReason NULL, ...,
  facilityCallDeflection NULL, securityDenied NULL, calledPartyNotRegistered NULL,
  callerNotRegistered NULL, newConnectionNeeded NULL, nonStandardReason NonStandardParameter,
  replaceWithConferenceInvite ConferenceIdentifier, genericDataReason NULL,
  neededFeatureNotSupported NULL, tunnelledSignallingRejected NULL, invalidCID NULL,
  securityError SecurityErrors, hopCountExceeded NULL }
Setup-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, h245Address TransportAddress OPTIONAL,
  sourceAddress SEQUENCE OF AliasAddress OPTIONAL, sourceInfo EndpointType,
  destinationAddress SEQUENCE OF AliasAddress OPTIONAL, destCallSignalAddress TransportAddress OPTIONAL,
  destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL,
  destExtraCRV SEQUENCE OF CallReferenceValue OPTIONAL, activeMC BOOLEAN,
  conferenceID ConferenceIdentifier,
  conferenceGoal CHOICE { create NULL, join NULL, invite NULL, ...,
    capability-negotiation NULL, callIndependentSupplementaryService NULL },
  callServices QseriesOptions OPTIONAL, callType CallType, ...,
  sourceCallSignalAddress TransportAddress OPTIONAL, remoteExtensionAddress AliasAddress OPTIONAL,
  callIdentifier CallIdentifier, h245SecurityCapability SEQUENCE OF H245Security OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  fastStart SEQUENCE OF OCTET STRING OPTIONAL, mediaWaitForConnect BOOLEAN, canOverlapSend BOOLEAN,
  endpointIdentifier EndpointIdentifier OPTIONAL, multipleCalls BOOLEAN, maintainConnection BOOLEAN,
  connectionParameters SEQUENCE { connectionType ScnConnectionType,
    numberOfScnConnections INTEGER(0..65535), connectionAggregation ScnConnectionAggregation,
    ... } OPTIONAL,
  language SEQUENCE OF IA5String(SIZE (1..32)) OPTIONAL,
  presentationIndicator PresentationIndicator OPTIONAL, screeningIndicator ScreeningIndicator OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL, symmetricOperationRequired NULL OPTIONAL,
  capacity CallCapacity OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  desiredProtocols SEQUENCE OF SupportedProtocols OPTIONAL,
  neededFeatures SEQUENCE OF FeatureDescriptor OPTIONAL,
  desiredFeatures SEQUENCE OF FeatureDescriptor OPTIONAL,
  supportedFeatures SEQUENCE OF FeatureDescriptor OPTIONAL,
  parallelH245Control SEQUENCE OF OCTET STRING OPTIONAL,
  additionalSourceAddresses SEQUENCE OF ExtendedAliasAddress OPTIONAL,
  hopCount INTEGER(1..31) OPTIONAL, displayName SEQUENCE OF DisplayName OPTIONAL }
ScnConnectionType ::= CHOICE { unknown NULL, bChannel NULL, hybrid2x64 NULL, hybrid384 NULL,
  hybrid1536 NULL, hybrid1920 NULL, multirate NULL, ... }
ScnConnectionAggregation ::= CHOICE { auto NULL, none NULL, h221 NULL, bonded-mode1 NULL,
  bonded-mode2 NULL, bonded-mode3 NULL, ... }
PresentationIndicator ::= CHOICE { presentationAllowed NULL, presentationRestricted NULL,
  addressNotAvailable NULL, ... }
ScreeningIndicator ::= ENUMERATED { userProvidedNotScreened(0), userProvidedVerifiedAndPassed(1),
  userProvidedVerifiedAndFailed(2), networkProvided(3), ... }
Facility-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier,
  alternativeAddress TransportAddress OPTIONAL, alternativeAliasAddress SEQUENCE OF AliasAddress OPTIONAL,
  conferenceID ConferenceIdentifier OPTIONAL, reason FacilityReason, ...,
  callIdentifier CallIdentifier, destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL,
  remoteExtensionAddress AliasAddress OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, conferences SEQUENCE OF ConferenceList OPTIONAL,
  h245Address TransportAddress OPTIONAL, fastStart SEQUENCE OF OCTET STRING OPTIONAL,
  multipleCalls BOOLEAN, maintainConnection BOOLEAN, fastConnectRefused NULL OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  featureSet FeatureSet OPTIONAL, destinationInfo EndpointType OPTIONAL,
  h245SecurityMode H245Security OPTIONAL }
ConferenceList ::= SEQUENCE { conferenceID ConferenceIdentifier OPTIONAL,
  conferenceAlias AliasAddress OPTIONAL, nonStandardData NonStandardParameter OPTIONAL, ... }
FacilityReason ::= CHOICE { routeCallToGatekeeper NULL, callForwarded NULL, routeCallToMC NULL,
  undefinedReason NULL, ..., conferenceListChoice NULL, startH245 NULL, noH245 NULL, newTokens NULL,
  featureSetUpdate NULL, forwardedElements NULL, transportedInformation NULL }
Progress-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, destinationInfo EndpointType,
  h245Address TransportAddress OPTIONAL, callIdentifier CallIdentifier,
  h245SecurityMode H245Security OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, fastStart SEQUENCE OF OCTET STRING OPTIONAL, ...,
  multipleCalls BOOLEAN, maintainConnection BOOLEAN, fastConnectRefused NULL OPTIONAL }
TransportAddress ::= CHOICE {
  ipAddress SEQUENCE { ip OCTET STRING(SIZE (4)), port INTEGER(0..65535) },
  ipSourceRoute SEQUENCE { ip OCTET STRING(SIZE (4)), port INTEGER(0..65535),
    route SEQUENCE OF OCTET STRING(SIZE (4)), routing CHOICE { strict NULL, loose NULL, ... }, ... },
  ipxAddress SEQUENCE { node OCTET STRING(SIZE (6)), netnum OCTET STRING(SIZE (4)),
    port OCTET STRING(SIZE (2)) },
  ip6Address SEQUENCE { ip OCTET STRING(SIZE (16)), port INTEGER(0..65535), ... },
  netBios OCTET STRING(SIZE (16)), nsap OCTET STRING(SIZE (1..20)),
  nonStandardAddress NonStandardParameter, ... }
Status-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, callIdentifier CallIdentifier,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, ... }
StatusInquiry-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, callIdentifier CallIdentifier,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, ... }
SetupAcknowledge-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, callIdentifier CallIdentifier,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, ... }
Notify-UUIE ::= SEQUENCE { protocolIdentifier ProtocolIdentifier, callIdentifier CallIdentifier,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, ...,
  connectedAddress SEQUENCE OF AliasAddress OPTIONAL, presentationIndicator PresentationIndicator OPTIONAL,
  screeningIndicator ScreeningIndicator OPTIONAL, destinationInfo EndpointType OPTIONAL,
  displayName SEQUENCE OF DisplayName OPTIONAL }
EndpointType ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  vendor VendorIdentifier OPTIONAL, gatekeeper GatekeeperInfo OPTIONAL, gateway GatewayInfo OPTIONAL,
  mcu McuInfo OPTIONAL, terminal TerminalInfo OPTIONAL, mc BOOLEAN, undefinedNode BOOLEAN, ...,
  set BIT STRING(SIZE (32)) OPTIONAL, supportedTunnelledProtocols SEQUENCE OF TunnelledProtocol OPTIONAL }
GatewayInfo ::= SEQUENCE { protocol SEQUENCE OF SupportedProtocols OPTIONAL,
  nonStandardData NonStandardParameter OPTIONAL, ... }
SupportedProtocols ::= CHOICE { nonStandardData NonStandardParameter, h310 H310Caps, h320 H320Caps,
  h321 H321Caps, h322 H322Caps, h323 H323Caps, h324 H324Caps, voice VoiceCaps,
  t120-only T120OnlyCaps, ..., nonStandardProtocol NonStandardProtocol,
  t38FaxAnnexbOnly T38FaxAnnexbOnlyCaps, sip SIPCaps }
H310Caps ::= GatewayCaps
H320Caps ::= GatewayCaps
H321Caps ::= GatewayCaps
H322Caps ::= GatewayCaps
H323Caps ::= GatewayCaps
H324Caps ::= GatewayCaps
VoiceCaps ::= GatewayCaps
T120OnlyCaps ::= GatewayCaps
GatewayCaps ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, ...,
  dataRatesSupported SEQUENCE OF DataRate OPTIONAL, supportedPrefixes SEQUENCE OF SupportedPrefix }
NonStandardProtocol ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  dataRatesSupported SEQUENCE OF DataRate OPTIONAL, supportedPrefixes SEQUENCE OF SupportedPrefix, ... }
T38FaxAnnexbOnlyCaps ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  dataRatesSupported SEQUENCE OF DataRate OPTIONAL, supportedPrefixes SEQUENCE OF SupportedPrefix,
  t38FaxProtocol DataProtocolCapability, t38FaxProfile T38FaxProfile, ... }
SIPCaps ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  dataRatesSupported SEQUENCE OF DataRate OPTIONAL, supportedPrefixes SEQUENCE OF SupportedPrefix OPTIONAL, ... }
McuInfo ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, ...,
  protocol SEQUENCE OF SupportedProtocols OPTIONAL }
TerminalInfo ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, ... }
GatekeeperInfo ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, ... }
VendorIdentifier ::= SEQUENCE { vendor H221NonStandard, productId OCTET STRING(SIZE (1..256)) OPTIONAL,
  versionId OCTET STRING(SIZE (1..256)) OPTIONAL, ..., enterpriseNumber OBJECT IDENTIFIER OPTIONAL }
H221NonStandard ::= SEQUENCE { t35CountryCode INTEGER(0..255), t35Extension INTEGER(0..255),
  manufacturerCode INTEGER(0..65535), ... }
TunnelledProtocol ::= SEQUENCE { id CHOICE { tunnelledProtocolObjectID OBJECT IDENTIFIER,
    tunnelledProtocolAlternateID TunnelledProtocolAlternateIdentifier, ... },
  subIdentifier IA5String(SIZE (1..64)) OPTIONAL, ... }
TunnelledProtocolAlternateIdentifier ::= SEQUENCE { protocolType IA5String(SIZE (1..64)),
  protocolVariant IA5String(SIZE (1..64)) OPTIONAL, ... }
NonStandardParameter ::= SEQUENCE { nonStandardIdentifier NonStandardIdentifier, data OCTET STRING }
NonStandardIdentifier ::= CHOICE { object OBJECT IDENTIFIER, h221NonStandard H221NonStandard, ... }
AliasAddress ::= CHOICE { dialledDigits IA5String(SIZE (1..128))(FROM ("0123456789#*,")),
  h323-ID BMPString(SIZE (1..256)), ..., url-ID IA5String(SIZE (1..512)), transportID TransportAddress,
  email-ID IA5String(SIZE (1..512)), partyNumber PartyNumber, mobileUIM MobileUIM, isupNumber IsupNumber }
AddressPattern ::= CHOICE { wildcard AliasAddress,
  range SEQUENCE { startOfRange PartyNumber, endOfRange PartyNumber }, ... }
PartyNumber ::= CHOICE { e164Number PublicPartyNumber, dataPartyNumber NumberDigits,
  telexPartyNumber NumberDigits, privateNumber PrivatePartyNumber,
  nationalStandardPartyNumber NumberDigits, ... }
PublicPartyNumber ::= SEQUENCE { publicTypeOfNumber PublicTypeOfNumber, publicNumberDigits NumberDigits }
PrivatePartyNumber ::= SEQUENCE { privateTypeOfNumber PrivateTypeOfNumber, privateNumberDigits NumberDigits }
NumberDigits ::= IA5String(SIZE (1..128))(FROM ("0123456789#*,"))
DisplayName ::= SEQUENCE { language IA5String OPTIONAL, name BMPString(SIZE (1..80)) }
PublicTypeOfNumber ::= CHOICE { unknown NULL, internationalNumber NULL, nationalNumber NULL,
  networkSpecificNumber NULL, subscriberNumber NULL, abbreviatedNumber NULL, ... }
PrivateTypeOfNumber ::= CHOICE { unknown NULL, level2RegionalNumber NULL, level1RegionalNumber NULL,
  pISNSpecificNumber NULL, localNumber NULL, abbreviatedNumber NULL, ... }
MobileUIM ::= CHOICE { ansi-41-uim ANSI-41-UIM, gsm-uim GSM-UIM, ... }
TBCD-STRING ::= IA5String(FROM ("0123456789#*abc"))
ANSI-41-UIM ::= SEQUENCE { imsi TBCD-STRING(SIZE (3..16)) OPTIONAL, min TBCD-STRING(SIZE (3..16)) OPTIONAL,
  mdn TBCD-STRING(SIZE (3..16)) OPTIONAL, msisdn TBCD-STRING(SIZE (3..16)) OPTIONAL,
  esn TBCD-STRING(SIZE (16)) OPTIONAL, mscid TBCD-STRING(SIZE (3..16)) OPTIONAL,
  system-id CHOICE { sid TBCD-STRING(SIZE (1..4)), mid TBCD-STRING(SIZE (1..4)), ... },
  systemMyTypeCode OCTET STRING(SIZE (1)) OPTIONAL, systemAccessType OCTET STRING(SIZE (1)) OPTIONAL,
  qualificationInformationCode OCTET STRING(SIZE (1)) OPTIONAL, sesn TBCD-STRING(SIZE (16)) OPTIONAL,
  soc TBCD-STRING(SIZE (3..16)) OPTIONAL, ... }
GSM-UIM ::= SEQUENCE { imsi TBCD-STRING(SIZE (3..16)) OPTIONAL, tmsi OCTET STRING(SIZE (1..4)) OPTIONAL,
  msisdn TBCD-STRING(SIZE (3..16)) OPTIONAL, imei TBCD-STRING(SIZE (15..16)) OPTIONAL,
  hplmn TBCD-STRING(SIZE (1..4)) OPTIONAL, vplmn TBCD-STRING(SIZE (1..4)) OPTIONAL, ... }
IsupNumber ::= CHOICE { e164Number IsupPublicPartyNumber, dataPartyNumber IsupDigits,
  telexPartyNumber IsupDigits, privateNumber IsupPrivatePartyNumber,
  nationalStandardPartyNumber IsupDigits, ... }
IsupPublicPartyNumber ::= SEQUENCE { natureOfAddress NatureOfAddress, address IsupDigits, ... }
IsupPrivatePartyNumber ::= SEQUENCE { privateTypeOfNumber PrivateTypeOfNumber, address IsupDigits, ... }
NatureOfAddress ::= CHOICE { unknown NULL, subscriberNumber NULL, nationalNumber NULL,
  internationalNumber NULL, networkSpecificNumber NULL, routingNumberNationalFormat NULL,
  routingNumberNetworkSpecificFormat NULL, routingNumberWithCalledDirectoryNumber NULL, ... }
IsupDigits ::= IA5String(SIZE (1..128))(FROM ("0123456789ABCDE"))
ExtendedAliasAddress ::= SEQUENCE { address AliasAddress,
  presentationIndicator PresentationIndicator OPTIONAL, screeningIndicator ScreeningIndicator OPTIONAL, ... }
Endpoint ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  aliasAddress SEQUENCE OF AliasAddress OPTIONAL, callSignalAddress SEQUENCE OF TransportAddress OPTIONAL,
  rasAddress SEQUENCE OF TransportAddress OPTIONAL, endpointType EndpointType OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  priority INTEGER(0..127) OPTIONAL, remoteExtensionAddress SEQUENCE OF AliasAddress OPTIONAL,
  destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL, ...,
  alternateTransportAddresses AlternateTransportAddresses OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  featureSet FeatureSet OPTIONAL }
AlternateTransportAddresses ::= SEQUENCE { annexE SEQUENCE OF TransportAddress OPTIONAL, ...,
  sctp SEQUENCE OF TransportAddress OPTIONAL }
UseSpecifiedTransport ::= CHOICE { tcp NULL, annexE NULL, ..., sctp NULL }
AlternateGK ::= SEQUENCE { rasAddress TransportAddress, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  needToRegister BOOLEAN, priority INTEGER(0..127), ... }
AltGKInfo ::= SEQUENCE { alternateGatekeeper SEQUENCE OF AlternateGK, altGKisPermanent BOOLEAN, ... }
SecurityServiceMode ::= CHOICE { nonStandard NonStandardParameter, none NULL, default NULL, ... }
SecurityCapabilities ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL,
  encryption SecurityServiceMode, authenticaton SecurityServiceMode, integrity SecurityServiceMode, ... }
SecurityErrors ::= CHOICE { securityWrongSyncTime NULL, securityReplay NULL, securityWrongGeneralID NULL,
  securityWrongSendersID NULL, securityIntegrityFailed NULL, securityWrongOID NULL,
  securityDHmismatch NULL, securityCertificateExpired NULL, securityCertificateDateInvalid NULL,
  securityCertificateRevoked NULL, securityCertificateNotReadable NULL,
  securityCertificateSignatureInvalid NULL, securityCertificateMissing NULL,
  securityCertificateIncomplete NULL, securityUnsupportedCertificateAlgOID NULL,
  securityUnknownCA NULL, ... }
SecurityErrors2 ::= CHOICE { securityWrongSyncTime NULL, securityReplay NULL, securityWrongGeneralID NULL,
  securityWrongSendersID NULL, securityIntegrityFailed NULL, securityWrongOID NULL, ... }
H245Security ::= CHOICE { nonStandard NonStandardParameter, noSecurity NULL,
  tls SecurityCapabilities, ipsec SecurityCapabilities, ... }
QseriesOptions ::= SEQUENCE { q932Full BOOLEAN, q951Full BOOLEAN, q952Full BOOLEAN, q953Full BOOLEAN,
  q955Full BOOLEAN, q956Full BOOLEAN, q957Full BOOLEAN, q954Info Q954Details, ... }
Q954Details ::= SEQUENCE { conferenceCalling BOOLEAN, threePartyService BOOLEAN, ... }
GloballyUniqueID ::= OCTET STRING(SIZE (16))
ConferenceIdentifier ::= GloballyUniqueID
RequestSeqNum ::= INTEGER(1..65535)
GatekeeperIdentifier ::= BMPString(SIZE (1..128))
BandWidth ::= INTEGER(0..4294967295)
CallReferenceValue ::= INTEGER(0..65535)
EndpointIdentifier ::= BMPString(SIZE (1..128))
ProtocolIdentifier ::= OBJECT IDENTIFIER
TimeToLive ::= INTEGER(1..4294967295)
H248PackagesDescriptor ::= OCTET STRING
H248SignalsDescriptor ::= OCTET STRING
FeatureDescriptor ::= GenericData
CallIdentifier ::= SEQUENCE { guid GloballyUniqueID, ... }
EncryptIntAlg ::= CHOICE { nonStandard NonStandardParameter, isoAlgorithm OBJECT IDENTIFIER, ... }
NonIsoIntegrityMechanism ::= CHOICE { hMAC-MD5 NULL, hMAC-iso10118-2-s EncryptIntAlg,
  hMAC-iso10118-2-l EncryptIntAlg, hMAC-iso10118-3 OBJECT IDENTIFIER, ... }
IntegrityMechanism ::= CHOICE { nonStandard NonStandardParameter, digSig NULL,
  iso9797 OBJECT IDENTIFIER, nonIsoIM NonIsoIntegrityMechanism, ... }
ICV ::= SEQUENCE { algorithmOID OBJECT IDENTIFIER, icv BIT STRING }
FastStartToken ::= ClearToken
EncodedFastStartToken ::= TYPE-IDENTIFIER.&Type(FastStartToken)
CryptoH323Token ::= CHOICE {
  cryptoEPPwdHash SEQUENCE { alias AliasAddress, timeStamp TimeStamp, token HASHED{EncodedPwdCertToken} },
  cryptoGKPwdHash SEQUENCE { gatekeeperId GatekeeperIdentifier, timeStamp TimeStamp,
    token HASHED{EncodedPwdCertToken} },
  cryptoEPPwdEncr ENCRYPTED{EncodedPwdCertToken}, cryptoGKPwdEncr ENCRYPTED{EncodedPwdCertToken},
  cryptoEPCert SIGNED{EncodedPwdCertToken}, cryptoGKCert SIGNED{EncodedPwdCertToken},
  cryptoFastStart SIGNED{EncodedFastStartToken}, nestedcryptoToken CryptoToken, ... }
DataRate ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, channelRate BandWidth,
  channelMultiplier INTEGER(1..256) OPTIONAL, ... }
CallLinkage ::= SEQUENCE { globalCallId GloballyUniqueID OPTIONAL, threadId GloballyUniqueID OPTIONAL, ... }
SupportedPrefix ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, prefix AliasAddress, ... }
CapacityReportingCapability ::= SEQUENCE { canReportCallCapacity BOOLEAN, ... }
CapacityReportingSpecification ::= SEQUENCE {
  when SEQUENCE { callStart NULL OPTIONAL, callEnd NULL OPTIONAL, ... }, ... }
CallCapacity ::= SEQUENCE { maximumCallCapacity CallCapacityInfo OPTIONAL,
  currentCallCapacity CallCapacityInfo OPTIONAL, ... }
CallCapacityInfo ::= SEQUENCE { voiceGwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h310GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h320GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h321GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h322GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h323GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  h324GwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  t120OnlyGwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  t38FaxAnnexbOnlyGwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  terminalCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL,
  mcuCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL, ...,
  sipGwCallsAvailable SEQUENCE OF CallsAvailable OPTIONAL }
CallsAvailable ::= SEQUENCE { calls INTEGER(0..4294967295), group IA5String(SIZE (1..128)) OPTIONAL, ...,
  carrier CarrierInfo OPTIONAL }
CircuitInfo ::= SEQUENCE { sourceCircuitID CircuitIdentifier OPTIONAL,
  destinationCircuitID CircuitIdentifier OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL, ... }
CircuitIdentifier ::= SEQUENCE { cic CicInfo OPTIONAL, group GroupID OPTIONAL, ...,
  carrier CarrierInfo OPTIONAL }
CicInfo ::= SEQUENCE { cic SEQUENCE OF OCTET STRING(SIZE (2..4)), pointCode OCTET STRING(SIZE (2..5)), ... }
GroupID ::= SEQUENCE { member SEQUENCE OF INTEGER(0..65535) OPTIONAL, group IA5String(SIZE (1..128)), ... }
CarrierInfo ::= SEQUENCE { carrierIdentificationCode OCTET STRING(SIZE (3..4)) OPTIONAL,
  carrierName IA5String(SIZE (1..128)) OPTIONAL, ... }
ServiceControlDescriptor ::= CHOICE { url IA5String(SIZE (0..512)), signal H248SignalsDescriptor,
  nonStandard NonStandardParameter, callCreditServiceControl CallCreditServiceControl, ... }
ServiceControlSession ::= SEQUENCE { sessionId INTEGER(0..255), contents ServiceControlDescriptor OPTIONAL,
  reason CHOICE { open NULL, refresh NULL, close NULL, ... }, ... }
RasUsageInfoTypes ::= SEQUENCE { nonStandardUsageTypes SEQUENCE OF NonStandardParameter,
  startTime NULL OPTIONAL, endTime NULL OPTIONAL, terminationCause NULL OPTIONAL, ... }
RasUsageSpecification ::= SEQUENCE {
  when SEQUENCE { start NULL OPTIONAL, end NULL OPTIONAL, inIrr NULL OPTIONAL, ... },
  callStartingPoint SEQUENCE { alerting NULL OPTIONAL, connect NULL OPTIONAL, ... } OPTIONAL,
  required RasUsageInfoTypes, ... }
RasUsageInformation ::= SEQUENCE { nonStandardUsageFields SEQUENCE OF NonStandardParameter,
  alertingTime TimeStamp OPTIONAL, connectTime TimeStamp OPTIONAL, endTime TimeStamp OPTIONAL, ... }
CallTerminationCause ::= CHOICE { releaseCompleteReason ReleaseCompleteReason,
  releaseCompleteCauseIE OCTET STRING(SIZE (2..32)), ... }
BandwidthDetails ::= SEQUENCE { sender BOOLEAN, multicast BOOLEAN, bandwidth BandWidth,
  rtcpAddresses TransportChannelInfo, ... }
CallCreditCapability ::= SEQUENCE { canDisplayAmountString BOOLEAN OPTIONAL,
  canEnforceDurationLimit BOOLEAN OPTIONAL, ... }
CallCreditServiceControl ::= SEQUENCE { amountString BMPString(SIZE (1..512)) OPTIONAL,
  billingMode CHOICE { credit NULL, debit NULL, ... } OPTIONAL,
  callDurationLimit INTEGER(1..4294967295) OPTIONAL, enforceCallDurationLimit BOOLEAN OPTIONAL,
  callStartingPoint CHOICE { alerting NULL, connect NULL, ... } OPTIONAL, ... }
GenericData ::= SEQUENCE { id GenericIdentifier,
  parameters SEQUENCE (SIZE (1..512)) OF EnumeratedParameter OPTIONAL, ... }
GenericIdentifier ::= CHOICE { standard INTEGER(0..16383, ...), oid OBJECT IDENTIFIER,
  nonStandard GloballyUniqueID, ... }
EnumeratedParameter ::= SEQUENCE { id GenericIdentifier, content Content OPTIONAL, ... }
Content ::= CHOICE { raw OCTET STRING, text IA5String, unicode BMPString, bool BOOLEAN,
  number8 INTEGER(0..255), number16 INTEGER(0..65535), number32 INTEGER(0..4294967295),
  id GenericIdentifier, alias AliasAddress, transport TransportAddress,
  compound SEQUENCE (SIZE (1..512)) OF EnumeratedParameter,
  nested SEQUENCE (SIZE (1..16)) OF GenericData, ... }
FeatureSet ::= SEQUENCE { replacementFeatureSet BOOLEAN,
  neededFeatures SEQUENCE OF FeatureDescriptor OPTIONAL,
  desiredFeatures SEQUENCE OF FeatureDescriptor OPTIONAL,
  supportedFeatures SEQUENCE OF FeatureDescriptor OPTIONAL, ... }
TransportChannelInfo ::= SEQUENCE { sendAddress TransportAddress OPTIONAL,
  recvAddress TransportAddress OPTIONAL, ... }
RTPSession ::= SEQUENCE { rtpAddress TransportChannelInfo, rtcpAddress TransportChannelInfo,
  cname PrintableString, ssrc INTEGER(1..4294967295), sessionId INTEGER(1..255),
  associatedSessionIds SEQUENCE OF INTEGER(1..255), ..., multicast NULL OPTIONAL,
  bandwidth BandWidth OPTIONAL }
RehomingModel ::= CHOICE { gatekeeperBased NULL, endpointBased NULL }
`;

export const H323_RAS = `
RasMessage ::= CHOICE { gatekeeperRequest GatekeeperRequest, gatekeeperConfirm GatekeeperConfirm,
  gatekeeperReject GatekeeperReject, registrationRequest RegistrationRequest,
  registrationConfirm RegistrationConfirm, registrationReject RegistrationReject,
  unregistrationRequest UnregistrationRequest, unregistrationConfirm UnregistrationConfirm,
  unregistrationReject UnregistrationReject, admissionRequest AdmissionRequest,
  admissionConfirm AdmissionConfirm, admissionReject AdmissionReject,
  bandwidthRequest BandwidthRequest, bandwidthConfirm BandwidthConfirm,
  bandwidthReject BandwidthReject, disengageRequest DisengageRequest,
  disengageConfirm DisengageConfirm, disengageReject DisengageReject,
  locationRequest LocationRequest, locationConfirm LocationConfirm, locationReject LocationReject,
  infoRequest InfoRequest, infoRequestResponse InfoRequestResponse,
  nonStandardMessage NonStandardMessage, unknownMessageResponse UnknownMessageResponse, ...,
  requestInProgress RequestInProgress, resourcesAvailableIndicate ResourcesAvailableIndicate,
  resourcesAvailableConfirm ResourcesAvailableConfirm, infoRequestAck InfoRequestAck,
  infoRequestNak InfoRequestNak, serviceControlIndication ServiceControlIndication,
  serviceControlResponse ServiceControlResponse,
  admissionConfirmSequence SEQUENCE OF AdmissionConfirm }
GatekeeperRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, rasAddress TransportAddress,
  endpointType EndpointType, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  callServices QseriesOptions OPTIONAL, endpointAlias SEQUENCE OF AliasAddress OPTIONAL, ...,
  alternateEndpoints SEQUENCE OF Endpoint OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  authenticationCapability SEQUENCE OF AuthenticationMechanism OPTIONAL,
  algorithmOIDs SEQUENCE OF OBJECT IDENTIFIER OPTIONAL,
  integrity SEQUENCE OF IntegrityMechanism OPTIONAL, integrityCheckValue ICV OPTIONAL,
  supportsAltGK NULL OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, supportsAssignedGK BOOLEAN,
  assignedGatekeeper AlternateGK OPTIONAL }
GatekeeperConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  rasAddress TransportAddress, ...,
  alternateGatekeeper SEQUENCE OF AlternateGK OPTIONAL,
  authenticationMode AuthenticationMechanism OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, algorithmOID OBJECT IDENTIFIER OPTIONAL,
  integrity SEQUENCE OF IntegrityMechanism OPTIONAL, integrityCheckValue ICV OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL, rehomingModel RehomingModel OPTIONAL }
GatekeeperReject ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  rejectReason GatekeeperRejectReason, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL }
GatekeeperRejectReason ::= CHOICE { resourceUnavailable NULL, terminalExcluded NULL,
  invalidRevision NULL, undefinedReason NULL, ..., securityDenial NULL, genericDataReason NULL,
  neededFeatureNotSupported NULL, securityError SecurityErrors }
RegistrationRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, discoveryComplete BOOLEAN,
  callSignalAddress SEQUENCE OF TransportAddress, rasAddress SEQUENCE OF TransportAddress,
  terminalType EndpointType, terminalAlias SEQUENCE OF AliasAddress OPTIONAL,
  gatekeeperIdentifier GatekeeperIdentifier OPTIONAL, endpointVendor VendorIdentifier, ...,
  alternateEndpoints SEQUENCE OF Endpoint OPTIONAL, timeToLive TimeToLive OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, keepAlive BOOLEAN, endpointIdentifier EndpointIdentifier OPTIONAL,
  willSupplyUUIEs BOOLEAN, maintainConnection BOOLEAN,
  alternateTransportAddresses AlternateTransportAddresses OPTIONAL, additiveRegistration NULL OPTIONAL,
  terminalAliasPattern SEQUENCE OF AddressPattern OPTIONAL, supportsAltGK NULL OPTIONAL,
  usageReportingCapability RasUsageInfoTypes OPTIONAL, multipleCalls BOOLEAN OPTIONAL,
  supportedH248Packages SEQUENCE OF H248PackagesDescriptor OPTIONAL,
  callCreditCapability CallCreditCapability OPTIONAL,
  capacityReportingCapability CapacityReportingCapability OPTIONAL, capacity CallCapacity OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL, restart NULL OPTIONAL,
  supportsACFSequences NULL OPTIONAL, supportsAssignedGK BOOLEAN, assignedGatekeeper AlternateGK OPTIONAL,
  transportQOS TransportQOS OPTIONAL, language SEQUENCE OF IA5String(SIZE (1..32)) OPTIONAL }
RegistrationConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, callSignalAddress SEQUENCE OF TransportAddress,
  terminalAlias SEQUENCE OF AliasAddress OPTIONAL, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  endpointIdentifier EndpointIdentifier, ...,
  alternateGatekeeper SEQUENCE OF AlternateGK OPTIONAL, timeToLive TimeToLive OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, willRespondToIRR BOOLEAN,
  preGrantedARQ SEQUENCE { makeCall BOOLEAN, useGKCallSignalAddressToMakeCall BOOLEAN,
    answerCall BOOLEAN, useGKCallSignalAddressToAnswer BOOLEAN, ...,
    irrFrequencyInCall INTEGER(1..65535) OPTIONAL, totalBandwidthRestriction BandWidth OPTIONAL,
    alternateTransportAddresses AlternateTransportAddresses OPTIONAL,
    useSpecifiedTransport UseSpecifiedTransport OPTIONAL } OPTIONAL,
  maintainConnection BOOLEAN, serviceControl SEQUENCE OF ServiceControlSession OPTIONAL,
  supportsAdditiveRegistration NULL OPTIONAL, terminalAliasPattern SEQUENCE OF AddressPattern OPTIONAL,
  supportedPrefixes SEQUENCE OF SupportedPrefix OPTIONAL,
  usageSpec SEQUENCE OF RasUsageSpecification OPTIONAL, featureServerAlias AliasAddress OPTIONAL,
  capacityReportingSpec CapacityReportingSpecification OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, assignedGatekeeper AlternateGK OPTIONAL,
  rehomingModel RehomingModel OPTIONAL, transportQOS TransportQOS OPTIONAL }
RegistrationReject ::= SEQUENCE { requestSeqNum RequestSeqNum, protocolIdentifier ProtocolIdentifier,
  nonStandardData NonStandardParameter OPTIONAL, rejectReason RegistrationRejectReason,
  gatekeeperIdentifier GatekeeperIdentifier OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL }
RegistrationRejectReason ::= CHOICE { discoveryRequired NULL, invalidRevision NULL,
  invalidCallSignalAddress NULL, invalidRASAddress NULL, duplicateAlias SEQUENCE OF AliasAddress,
  invalidTerminalType NULL, undefinedReason NULL, transportNotSupported NULL, ...,
  transportQOSNotSupported NULL, resourceUnavailable NULL, invalidAlias NULL, securityDenial NULL,
  fullRegistrationRequired NULL, additiveRegistrationNotSupported NULL,
  invalidTerminalAliases SEQUENCE { terminalAlias SEQUENCE OF AliasAddress OPTIONAL,
    terminalAliasPattern SEQUENCE OF AddressPattern OPTIONAL,
    supportedPrefixes SEQUENCE OF SupportedPrefix OPTIONAL, ... },
  genericDataReason NULL, neededFeatureNotSupported NULL, securityError SecurityErrors,
  registerWithAssignedGK NULL }
UnregistrationRequest ::= SEQUENCE { requestSeqNum RequestSeqNum,
  callSignalAddress SEQUENCE OF TransportAddress, endpointAlias SEQUENCE OF AliasAddress OPTIONAL,
  nonStandardData NonStandardParameter OPTIONAL, endpointIdentifier EndpointIdentifier OPTIONAL, ...,
  alternateEndpoints SEQUENCE OF Endpoint OPTIONAL, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, reason UnregRequestReason OPTIONAL,
  endpointAliasPattern SEQUENCE OF AddressPattern OPTIONAL,
  supportedPrefixes SEQUENCE OF SupportedPrefix OPTIONAL,
  alternateGatekeeper SEQUENCE OF AlternateGK OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL }
UnregRequestReason ::= CHOICE { reregistrationRequired NULL, ttlExpired NULL, securityDenial NULL,
  undefinedReason NULL, ..., maintenance NULL, securityError SecurityErrors2,
  registerWithAssignedGK NULL }
UnregistrationConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL }
UnregistrationReject ::= SEQUENCE { requestSeqNum RequestSeqNum, rejectReason UnregRejectReason,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
UnregRejectReason ::= CHOICE { notCurrentlyRegistered NULL, callInProgress NULL, undefinedReason NULL,
  ..., permissionDenied NULL, securityDenial NULL, securityError SecurityErrors2 }
AdmissionRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, callType CallType,
  callModel CallModel OPTIONAL, endpointIdentifier EndpointIdentifier,
  destinationInfo SEQUENCE OF AliasAddress OPTIONAL, destCallSignalAddress TransportAddress OPTIONAL,
  destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL, srcInfo SEQUENCE OF AliasAddress,
  srcCallSignalAddress TransportAddress OPTIONAL, bandWidth BandWidth,
  callReferenceValue CallReferenceValue, nonStandardData NonStandardParameter OPTIONAL,
  callServices QseriesOptions OPTIONAL, conferenceID ConferenceIdentifier, activeMC BOOLEAN,
  answerCall BOOLEAN, ...,
  canMapAlias BOOLEAN, callIdentifier CallIdentifier, srcAlternatives SEQUENCE OF Endpoint OPTIONAL,
  destAlternatives SEQUENCE OF Endpoint OPTIONAL, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, transportQOS TransportQOS OPTIONAL, willSupplyUUIEs BOOLEAN,
  callLinkage CallLinkage OPTIONAL, gatewayDataRate DataRate OPTIONAL, capacity CallCapacity OPTIONAL,
  circuitInfo CircuitInfo OPTIONAL, desiredProtocols SEQUENCE OF SupportedProtocols OPTIONAL,
  desiredTunnelledProtocol TunnelledProtocol OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, canMapSrcAlias BOOLEAN }
CallType ::= CHOICE { pointToPoint NULL, oneToN NULL, nToOne NULL, nToN NULL, ... }
CallModel ::= CHOICE { direct NULL, gatekeeperRouted NULL, ... }
TransportQOS ::= CHOICE { endpointControlled NULL, gatekeeperControlled NULL, noControl NULL, ...,
  qOSCapabilities SEQUENCE SIZE (1..256) OF QOSCapability }
AdmissionConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, bandWidth BandWidth, callModel CallModel,
  destCallSignalAddress TransportAddress, irrFrequency INTEGER(1..65535) OPTIONAL,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  destinationInfo SEQUENCE OF AliasAddress OPTIONAL, destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL,
  destinationType EndpointType OPTIONAL, remoteExtensionAddress SEQUENCE OF AliasAddress OPTIONAL,
  alternateEndpoints SEQUENCE OF Endpoint OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  transportQOS TransportQOS OPTIONAL, willRespondToIRR BOOLEAN, uuiesRequested UUIEsRequested,
  language SEQUENCE OF IA5String(SIZE (1..32)) OPTIONAL,
  alternateTransportAddresses AlternateTransportAddresses OPTIONAL,
  useSpecifiedTransport UseSpecifiedTransport OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  usageSpec SEQUENCE OF RasUsageSpecification OPTIONAL,
  supportedProtocols SEQUENCE OF SupportedProtocols OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL, multipleCalls BOOLEAN OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  modifiedSrcInfo SEQUENCE OF AliasAddress OPTIONAL, assignedGatekeeper AlternateGK OPTIONAL }
UUIEsRequested ::= SEQUENCE { setup BOOLEAN, callProceeding BOOLEAN, connect BOOLEAN, alerting BOOLEAN,
  information BOOLEAN, releaseComplete BOOLEAN, facility BOOLEAN, progress BOOLEAN, empty BOOLEAN, ...,
  status BOOLEAN, statusInquiry BOOLEAN, setupAcknowledge BOOLEAN, notify BOOLEAN }
AdmissionReject ::= SEQUENCE { requestSeqNum RequestSeqNum, rejectReason AdmissionRejectReason,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, callSignalAddress SEQUENCE OF TransportAddress OPTIONAL,
  integrityCheckValue ICV OPTIONAL, serviceControl SEQUENCE OF ServiceControlSession OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL }
AdmissionRejectReason ::= CHOICE { calledPartyNotRegistered NULL, invalidPermission NULL,
  requestDenied NULL, undefinedReason NULL, callerNotRegistered NULL, routeCallToGatekeeper NULL,
  invalidEndpointIdentifier NULL, resourceUnavailable NULL, ...,
  securityDenial NULL, qosControlNotSupported NULL, incompleteAddress NULL, aliasesInconsistent NULL,
  routeCallToSCN SEQUENCE OF PartyNumber, exceedsCallCapacity NULL, collectDestination NULL,
  collectPIN NULL, genericDataReason NULL, neededFeatureNotSupported NULL,
  securityError SecurityErrors2, securityDHmismatch NULL, noRouteToDestination NULL,
  unallocatedNumber NULL, registerWithAssignedGK NULL }
BandwidthRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, endpointIdentifier EndpointIdentifier,
  conferenceID ConferenceIdentifier, callReferenceValue CallReferenceValue,
  callType CallType OPTIONAL, bandWidth BandWidth, nonStandardData NonStandardParameter OPTIONAL, ...,
  callIdentifier CallIdentifier, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, answeredCall BOOLEAN, callLinkage CallLinkage OPTIONAL,
  capacity CallCapacity OPTIONAL, usageInformation RasUsageInformation OPTIONAL,
  bandwidthDetails SEQUENCE OF BandwidthDetails OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  transportQOS TransportQOS OPTIONAL }
BandwidthConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, bandWidth BandWidth,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, capacity CallCapacity OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, transportQOS TransportQOS OPTIONAL }
BandwidthReject ::= SEQUENCE { requestSeqNum RequestSeqNum, rejectReason BandRejectReason,
  allowedBandWidth BandWidth, nonStandardData NonStandardParameter OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
BandRejectReason ::= CHOICE { notBound NULL, invalidConferenceID NULL, invalidPermission NULL,
  insufficientResources NULL, invalidRevision NULL, undefinedReason NULL, ...,
  securityDenial NULL, securityError SecurityErrors2 }
LocationRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, endpointIdentifier EndpointIdentifier OPTIONAL,
  destinationInfo SEQUENCE OF AliasAddress, nonStandardData NonStandardParameter OPTIONAL,
  replyAddress TransportAddress, ...,
  sourceInfo SEQUENCE OF AliasAddress OPTIONAL, canMapAlias BOOLEAN,
  gatekeeperIdentifier GatekeeperIdentifier OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  desiredProtocols SEQUENCE OF SupportedProtocols OPTIONAL,
  desiredTunnelledProtocol TunnelledProtocol OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, hopCount INTEGER(1..255) OPTIONAL,
  circuitInfo CircuitInfo OPTIONAL, callIdentifier CallIdentifier OPTIONAL, bandWidth BandWidth OPTIONAL,
  sourceEndpointInfo SEQUENCE OF AliasAddress OPTIONAL, canMapSrcAlias BOOLEAN,
  language SEQUENCE OF IA5String(SIZE (1..32)) OPTIONAL }
LocationConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, callSignalAddress TransportAddress,
  rasAddress TransportAddress, nonStandardData NonStandardParameter OPTIONAL, ...,
  destinationInfo SEQUENCE OF AliasAddress OPTIONAL, destExtraCallInfo SEQUENCE OF AliasAddress OPTIONAL,
  destinationType EndpointType OPTIONAL, remoteExtensionAddress SEQUENCE OF AliasAddress OPTIONAL,
  alternateEndpoints SEQUENCE OF Endpoint OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  alternateTransportAddresses AlternateTransportAddresses OPTIONAL,
  supportedProtocols SEQUENCE OF SupportedProtocols OPTIONAL, multipleCalls BOOLEAN OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  circuitInfo CircuitInfo OPTIONAL, serviceControl SEQUENCE OF ServiceControlSession OPTIONAL,
  modifiedSrcInfo SEQUENCE OF AliasAddress OPTIONAL, bandWidth BandWidth OPTIONAL }
LocationReject ::= SEQUENCE { requestSeqNum RequestSeqNum, rejectReason LocationRejectReason,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL }
LocationRejectReason ::= CHOICE { notRegistered NULL, invalidPermission NULL, requestDenied NULL,
  undefinedReason NULL, ..., securityDenial NULL, aliasesInconsistent NULL,
  routeCalltoSCN SEQUENCE OF PartyNumber, resourceUnavailable NULL, genericDataReason NULL,
  neededFeatureNotSupported NULL, hopCountExceeded NULL, incompleteAddress NULL,
  securityError SecurityErrors2, securityDHmismatch NULL, noRouteToDestination NULL,
  unallocatedNumber NULL }
DisengageRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, endpointIdentifier EndpointIdentifier,
  conferenceID ConferenceIdentifier, callReferenceValue CallReferenceValue,
  disengageReason DisengageReason, nonStandardData NonStandardParameter OPTIONAL, ...,
  callIdentifier CallIdentifier, gatekeeperIdentifier GatekeeperIdentifier OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, answeredCall BOOLEAN, callLinkage CallLinkage OPTIONAL,
  capacity CallCapacity OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  usageInformation RasUsageInformation OPTIONAL, terminationCause CallTerminationCause OPTIONAL,
  serviceControl SEQUENCE OF ServiceControlSession OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
DisengageReason ::= CHOICE { forcedDrop NULL, normalDrop NULL, undefinedReason NULL, ... }
DisengageConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum, nonStandardData NonStandardParameter OPTIONAL,
  ..., tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, capacity CallCapacity OPTIONAL, circuitInfo CircuitInfo OPTIONAL,
  usageInformation RasUsageInformation OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL,
  assignedGatekeeper AlternateGK OPTIONAL }
DisengageReject ::= SEQUENCE { requestSeqNum RequestSeqNum, rejectReason DisengageRejectReason,
  nonStandardData NonStandardParameter OPTIONAL, ...,
  altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
DisengageRejectReason ::= CHOICE { notRegistered NULL, requestToDropOther NULL, ...,
  securityDenial NULL, securityError SecurityErrors2 }
InfoRequest ::= SEQUENCE { requestSeqNum RequestSeqNum, callReferenceValue CallReferenceValue,
  nonStandardData NonStandardParameter OPTIONAL, replyAddress TransportAddress OPTIONAL, ...,
  callIdentifier CallIdentifier, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  uuiesRequested UUIEsRequested OPTIONAL, callLinkage CallLinkage OPTIONAL,
  usageInfoRequested RasUsageInfoTypes OPTIONAL, segmentedResponseSupported NULL OPTIONAL,
  nextSegmentRequested INTEGER(0..65535) OPTIONAL, capacityInfoRequested NULL OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, assignedGatekeeper AlternateGK OPTIONAL }
InfoRequestResponse ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  requestSeqNum RequestSeqNum, endpointType EndpointType, endpointIdentifier EndpointIdentifier,
  rasAddress TransportAddress, callSignalAddress SEQUENCE OF TransportAddress,
  endpointAlias SEQUENCE OF AliasAddress OPTIONAL,
  perCallInfo SEQUENCE OF SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
    callReferenceValue CallReferenceValue, conferenceID ConferenceIdentifier,
    originator BOOLEAN OPTIONAL, audio SEQUENCE OF RTPSession OPTIONAL,
    video SEQUENCE OF RTPSession OPTIONAL, data SEQUENCE OF TransportChannelInfo OPTIONAL,
    h245 TransportChannelInfo, callSignalling TransportChannelInfo, callType CallType,
    bandWidth BandWidth, callModel CallModel, ...,
    callIdentifier CallIdentifier, tokens SEQUENCE OF ClearToken OPTIONAL,
    cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
    substituteConfIDs SEQUENCE OF ConferenceIdentifier,
    pdu SEQUENCE OF SEQUENCE { h323pdu H323-UU-PDU, sent BOOLEAN } OPTIONAL,
    callLinkage CallLinkage OPTIONAL, usageInformation RasUsageInformation OPTIONAL,
    circuitInfo CircuitInfo OPTIONAL } OPTIONAL, ...,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, needResponse BOOLEAN, capacity CallCapacity OPTIONAL,
  irrStatus InfoRequestResponseStatus OPTIONAL, unsolicited BOOLEAN,
  genericData SEQUENCE OF GenericData OPTIONAL }
InfoRequestResponseStatus ::= CHOICE { complete NULL, incomplete NULL, segment INTEGER(0..65535),
  invalidCall NULL, ... }
InfoRequestAck ::= SEQUENCE { requestSeqNum RequestSeqNum, nonStandardData NonStandardParameter OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, ... }
InfoRequestNak ::= SEQUENCE { requestSeqNum RequestSeqNum, nonStandardData NonStandardParameter OPTIONAL,
  nakReason InfoRequestNakReason, altGKInfo AltGKInfo OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL, ... }
InfoRequestNakReason ::= CHOICE { notRegistered NULL, securityDenial NULL, undefinedReason NULL, ...,
  securityError SecurityErrors2 }
NonStandardMessage ::= SEQUENCE { requestSeqNum RequestSeqNum, nonStandardData NonStandardParameter, ...,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL }
UnknownMessageResponse ::= SEQUENCE { requestSeqNum RequestSeqNum, ...,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, messageNotUnderstood OCTET STRING }
RequestInProgress ::= SEQUENCE { requestSeqNum RequestSeqNum, nonStandardData NonStandardParameter OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, delay INTEGER(1..65535), ... }
ResourcesAvailableIndicate ::= SEQUENCE { requestSeqNum RequestSeqNum,
  protocolIdentifier ProtocolIdentifier, nonStandardData NonStandardParameter OPTIONAL,
  endpointIdentifier EndpointIdentifier, protocols SEQUENCE OF SupportedProtocols,
  almostOutOfResources BOOLEAN, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL, ...,
  capacity CallCapacity OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL }
ResourcesAvailableConfirm ::= SEQUENCE { requestSeqNum RequestSeqNum,
  protocolIdentifier ProtocolIdentifier, nonStandardData NonStandardParameter OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, ..., genericData SEQUENCE OF GenericData OPTIONAL }
ServiceControlIndication ::= SEQUENCE { requestSeqNum RequestSeqNum,
  nonStandardData NonStandardParameter OPTIONAL, serviceControl SEQUENCE OF ServiceControlSession,
  endpointIdentifier EndpointIdentifier OPTIONAL,
  callSpecific SEQUENCE { callIdentifier CallIdentifier, conferenceID ConferenceIdentifier,
    answeredCall BOOLEAN, ... } OPTIONAL,
  tokens SEQUENCE OF ClearToken OPTIONAL, cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL,
  integrityCheckValue ICV OPTIONAL, featureSet FeatureSet OPTIONAL,
  genericData SEQUENCE OF GenericData OPTIONAL, ... }
ServiceControlResponse ::= SEQUENCE { requestSeqNum RequestSeqNum,
  result CHOICE { started NULL, failed NULL, stopped NULL, notAvailable NULL,
    neededFeatureNotSupported NULL, ... } OPTIONAL,
  nonStandardData NonStandardParameter OPTIONAL, tokens SEQUENCE OF ClearToken OPTIONAL,
  cryptoTokens SEQUENCE OF CryptoH323Token OPTIONAL, integrityCheckValue ICV OPTIONAL,
  featureSet FeatureSet OPTIONAL, genericData SEQUENCE OF GenericData OPTIONAL, ... }
`;
