// ASN.1 of H.245 (module MULTIMEDIA-SYSTEM-CONTROL, version 17), transcribed from
// the ITU-T Recommendation with the comments dropped. asn1/notation.ts compiles it.
// The whole module is here, not a subset: in PER a root alternative or component
// has no length wrapper, so a decoder must know every type a peer may send.

export const MULTIMEDIA_SYSTEM_CONTROL = `
MultimediaSystemControlMessage ::= CHOICE { request RequestMessage, response ResponseMessage,
  command CommandMessage, indication IndicationMessage, ... }

RequestMessage ::= CHOICE { nonStandard NonStandardMessage,
  masterSlaveDetermination MasterSlaveDetermination, terminalCapabilitySet TerminalCapabilitySet,
  openLogicalChannel OpenLogicalChannel, closeLogicalChannel CloseLogicalChannel,
  requestChannelClose RequestChannelClose, multiplexEntrySend MultiplexEntrySend,
  requestMultiplexEntry RequestMultiplexEntry, requestMode RequestMode,
  roundTripDelayRequest RoundTripDelayRequest, maintenanceLoopRequest MaintenanceLoopRequest, ...,
  communicationModeRequest CommunicationModeRequest, conferenceRequest ConferenceRequest,
  multilinkRequest MultilinkRequest, logicalChannelRateRequest LogicalChannelRateRequest,
  genericRequest GenericMessage }

ResponseMessage ::= CHOICE { nonStandard NonStandardMessage,
  masterSlaveDeterminationAck MasterSlaveDeterminationAck,
  masterSlaveDeterminationReject MasterSlaveDeterminationReject,
  terminalCapabilitySetAck TerminalCapabilitySetAck,
  terminalCapabilitySetReject TerminalCapabilitySetReject,
  openLogicalChannelAck OpenLogicalChannelAck, openLogicalChannelReject OpenLogicalChannelReject,
  closeLogicalChannelAck CloseLogicalChannelAck, requestChannelCloseAck RequestChannelCloseAck,
  requestChannelCloseReject RequestChannelCloseReject, multiplexEntrySendAck MultiplexEntrySendAck,
  multiplexEntrySendReject MultiplexEntrySendReject,
  requestMultiplexEntryAck RequestMultiplexEntryAck,
  requestMultiplexEntryReject RequestMultiplexEntryReject, requestModeAck RequestModeAck,
  requestModeReject RequestModeReject, roundTripDelayResponse RoundTripDelayResponse,
  maintenanceLoopAck MaintenanceLoopAck, maintenanceLoopReject MaintenanceLoopReject, ...,
  communicationModeResponse CommunicationModeResponse, conferenceResponse ConferenceResponse,
  multilinkResponse MultilinkResponse, logicalChannelRateAcknowledge LogicalChannelRateAcknowledge,
  logicalChannelRateReject LogicalChannelRateReject, genericResponse GenericMessage }

CommandMessage ::= CHOICE { nonStandard NonStandardMessage,
  maintenanceLoopOffCommand MaintenanceLoopOffCommand,
  sendTerminalCapabilitySet SendTerminalCapabilitySet, encryptionCommand EncryptionCommand,
  flowControlCommand FlowControlCommand, endSessionCommand EndSessionCommand,
  miscellaneousCommand MiscellaneousCommand, ...,
  communicationModeCommand CommunicationModeCommand, conferenceCommand ConferenceCommand,
  h223MultiplexReconfiguration H223MultiplexReconfiguration, newATMVCCommand NewATMVCCommand,
  mobileMultilinkReconfigurationCommand MobileMultilinkReconfigurationCommand,
  genericCommand GenericMessage }

IndicationMessage ::= CHOICE { nonStandard NonStandardMessage,
  functionNotUnderstood FunctionNotUnderstood,
  masterSlaveDeterminationRelease MasterSlaveDeterminationRelease,
  terminalCapabilitySetRelease TerminalCapabilitySetRelease,
  openLogicalChannelConfirm OpenLogicalChannelConfirm,
  requestChannelCloseRelease RequestChannelCloseRelease,
  multiplexEntrySendRelease MultiplexEntrySendRelease,
  requestMultiplexEntryRelease RequestMultiplexEntryRelease, requestModeRelease RequestModeRelease,
  miscellaneousIndication MiscellaneousIndication, jitterIndication JitterIndication,
  h223SkewIndication H223SkewIndication, newATMVCIndication NewATMVCIndication,
  userInput UserInputIndication, ...,
  h2250MaximumSkewIndication H2250MaximumSkewIndication,
  mcLocationIndication MCLocationIndication, conferenceIndication ConferenceIndication,
  vendorIdentification VendorIdentification, functionNotSupported FunctionNotSupported,
  multilinkIndication MultilinkIndication, logicalChannelRateRelease LogicalChannelRateRelease,
  flowControlIndication FlowControlIndication,
  mobileMultilinkReconfigurationIndication MobileMultilinkReconfigurationIndication,
  genericIndication GenericMessage }

SequenceNumber ::= INTEGER (0..255)

GenericMessage ::= SEQUENCE { messageIdentifier CapabilityIdentifier,
  subMessageIdentifier INTEGER (0..127) OPTIONAL,
  messageContent SEQUENCE OF GenericParameter OPTIONAL, ... }
GenericInformation ::= GenericMessage

NonStandardMessage ::= SEQUENCE { nonStandardData NonStandardParameter, ... }
NonStandardParameter ::= SEQUENCE { nonStandardIdentifier NonStandardIdentifier, data OCTET STRING }
NonStandardIdentifier ::= CHOICE { object OBJECT IDENTIFIER,
  h221NonStandard SEQUENCE { t35CountryCode INTEGER (0..255), t35Extension INTEGER (0..255),
    manufacturerCode INTEGER (0..65535) } }

MasterSlaveDetermination ::= SEQUENCE { terminalType INTEGER (0..255),
  statusDeterminationNumber INTEGER (0..16777215), ... }
MasterSlaveDeterminationAck ::= SEQUENCE { decision CHOICE { master NULL, slave NULL }, ... }
MasterSlaveDeterminationReject ::= SEQUENCE { cause CHOICE { identicalNumbers NULL, ... }, ... }
MasterSlaveDeterminationRelease ::= SEQUENCE { ... }

TerminalCapabilitySet ::= SEQUENCE { sequenceNumber SequenceNumber,
  protocolIdentifier OBJECT IDENTIFIER, multiplexCapability MultiplexCapability OPTIONAL,
  capabilityTable SET SIZE (1..256) OF CapabilityTableEntry OPTIONAL,
  capabilityDescriptors SET SIZE (1..256) OF CapabilityDescriptor OPTIONAL, ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
CapabilityTableEntry ::= SEQUENCE { capabilityTableEntryNumber CapabilityTableEntryNumber,
  capability Capability OPTIONAL }
CapabilityDescriptor ::= SEQUENCE { capabilityDescriptorNumber CapabilityDescriptorNumber,
  simultaneousCapabilities SET SIZE (1..256) OF AlternativeCapabilitySet OPTIONAL }
AlternativeCapabilitySet ::= SEQUENCE SIZE (1..256) OF CapabilityTableEntryNumber
CapabilityTableEntryNumber ::= INTEGER (1..65535)
CapabilityDescriptorNumber ::= INTEGER (0..255)
TerminalCapabilitySetAck ::= SEQUENCE { sequenceNumber SequenceNumber, ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
TerminalCapabilitySetReject ::= SEQUENCE { sequenceNumber SequenceNumber,
  cause CHOICE { unspecified NULL, undefinedTableEntryUsed NULL, descriptorCapacityExceeded NULL,
    tableEntryCapacityExceeded CHOICE {
      highestEntryNumberProcessed CapabilityTableEntryNumber, noneProcessed NULL }, ... }, ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
TerminalCapabilitySetRelease ::= SEQUENCE { ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }

Capability ::= CHOICE { nonStandard NonStandardParameter,
  receiveVideoCapability VideoCapability, transmitVideoCapability VideoCapability,
  receiveAndTransmitVideoCapability VideoCapability,
  receiveAudioCapability AudioCapability, transmitAudioCapability AudioCapability,
  receiveAndTransmitAudioCapability AudioCapability,
  receiveDataApplicationCapability DataApplicationCapability,
  transmitDataApplicationCapability DataApplicationCapability,
  receiveAndTransmitDataApplicationCapability DataApplicationCapability,
  h233EncryptionTransmitCapability BOOLEAN,
  h233EncryptionReceiveCapability SEQUENCE { h233IVResponseTime INTEGER (0..255), ... }, ...,
  conferenceCapability ConferenceCapability, h235SecurityCapability H235SecurityCapability,
  maxPendingReplacementFor INTEGER (0..255), receiveUserInputCapability UserInputCapability,
  transmitUserInputCapability UserInputCapability,
  receiveAndTransmitUserInputCapability UserInputCapability,
  genericControlCapability GenericCapability,
  receiveMultiplexedStreamCapability MultiplexedStreamCapability,
  transmitMultiplexedStreamCapability MultiplexedStreamCapability,
  receiveAndTransmitMultiplexedStreamCapability MultiplexedStreamCapability,
  receiveRTPAudioTelephonyEventCapability AudioTelephonyEventCapability,
  receiveRTPAudioToneCapability AudioToneCapability, depFecCapability DepFECCapability,
  multiplePayloadStreamCapability MultiplePayloadStreamCapability, fecCapability FECCapability,
  redundancyEncodingCap RedundancyEncodingCapability, oneOfCapabilities AlternativeCapabilitySet }

H235SecurityCapability ::= SEQUENCE {
  encryptionAuthenticationAndIntegrity EncryptionAuthenticationAndIntegrity,
  mediaCapability CapabilityTableEntryNumber, ... }

DTLSSecurityCapability ::= SEQUENCE { hashFunction SEQUENCE OF IA5String (SIZE (1..65535)),
  setupInformation IA5String (SIZE (1..65535)) OPTIONAL,
  connectionInformation IA5String (SIZE (1..65535)) OPTIONAL,
  fingerprint IA5String (SIZE (1..65535)) OPTIONAL, ... }

MultiplexCapability ::= CHOICE { nonStandard NonStandardParameter,
  h222Capability H222Capability, h223Capability H223Capability, v76Capability V76Capability, ...,
  h2250Capability H2250Capability, genericMultiplexCapability GenericCapability }

H222Capability ::= SEQUENCE { numberOfVCs INTEGER (1..256), vcCapability SET OF VCCapability, ... }
VCCapability ::= SEQUENCE {
  aal1 SEQUENCE { nullClockRecovery BOOLEAN, srtsClockRecovery BOOLEAN,
    adaptiveClockRecovery BOOLEAN, nullErrorCorrection BOOLEAN, longInterleaver BOOLEAN,
    shortInterleaver BOOLEAN, errorCorrectionOnly BOOLEAN, structuredDataTransfer BOOLEAN,
    partiallyFilledCells BOOLEAN, ... } OPTIONAL,
  aal5 SEQUENCE { forwardMaximumSDUSize INTEGER (0..65535),
    backwardMaximumSDUSize INTEGER (0..65535), ... } OPTIONAL,
  transportStream BOOLEAN, programStream BOOLEAN,
  availableBitRates SEQUENCE { type CHOICE { singleBitRate INTEGER (1..65535),
      rangeOfBitRates SEQUENCE { lowerBitRate INTEGER (1..65535),
        higherBitRate INTEGER (1..65535) } }, ... }, ...,
  aal1ViaGateway SEQUENCE { gatewayAddress SET SIZE (1..256) OF Q2931Address,
    nullClockRecovery BOOLEAN, srtsClockRecovery BOOLEAN, adaptiveClockRecovery BOOLEAN,
    nullErrorCorrection BOOLEAN, longInterleaver BOOLEAN, shortInterleaver BOOLEAN,
    errorCorrectionOnly BOOLEAN, structuredDataTransfer BOOLEAN, partiallyFilledCells BOOLEAN,
    ... } OPTIONAL }

H223Capability ::= SEQUENCE { transportWithI-frames BOOLEAN, videoWithAL1 BOOLEAN,
  videoWithAL2 BOOLEAN, videoWithAL3 BOOLEAN, audioWithAL1 BOOLEAN, audioWithAL2 BOOLEAN,
  audioWithAL3 BOOLEAN, dataWithAL1 BOOLEAN, dataWithAL2 BOOLEAN, dataWithAL3 BOOLEAN,
  maximumAl2SDUSize INTEGER (0..65535), maximumAl3SDUSize INTEGER (0..65535),
  maximumDelayJitter INTEGER (0..1023),
  h223MultiplexTableCapability CHOICE { basic NULL,
    enhanced SEQUENCE { maximumNestingDepth INTEGER (1..15),
      maximumElementListSize INTEGER (2..255), maximumSubElementListSize INTEGER (2..255),
      ... } }, ...,
  maxMUXPDUSizeCapability BOOLEAN, nsrpSupport BOOLEAN,
  mobileOperationTransmitCapability SEQUENCE { modeChangeCapability BOOLEAN,
    h223AnnexA BOOLEAN, h223AnnexADoubleFlag BOOLEAN, h223AnnexB BOOLEAN,
    h223AnnexBwithHeader BOOLEAN, ... } OPTIONAL,
  h223AnnexCCapability H223AnnexCCapability OPTIONAL, bitRate INTEGER (1..19200) OPTIONAL,
  mobileMultilinkFrameCapability SEQUENCE { maximumSampleSize INTEGER (1..255),
    maximumPayloadLength INTEGER (1..65025), ... } OPTIONAL }

H223AnnexCCapability ::= SEQUENCE { videoWithAL1M BOOLEAN, videoWithAL2M BOOLEAN,
  videoWithAL3M BOOLEAN, audioWithAL1M BOOLEAN, audioWithAL2M BOOLEAN, audioWithAL3M BOOLEAN,
  dataWithAL1M BOOLEAN, dataWithAL2M BOOLEAN, dataWithAL3M BOOLEAN, alpduInterleaving BOOLEAN,
  maximumAL1MPDUSize INTEGER (0..65535), maximumAL2MSDUSize INTEGER (0..65535),
  maximumAL3MSDUSize INTEGER (0..65535), ..., rsCodeCapability BOOLEAN OPTIONAL }

V76Capability ::= SEQUENCE { suspendResumeCapabilitywAddress BOOLEAN,
  suspendResumeCapabilitywoAddress BOOLEAN, rejCapability BOOLEAN, sREJCapability BOOLEAN,
  mREJCapability BOOLEAN, crc8bitCapability BOOLEAN, crc16bitCapability BOOLEAN,
  crc32bitCapability BOOLEAN, uihCapability BOOLEAN, numOfDLCS INTEGER (2..8191),
  twoOctetAddressFieldCapability BOOLEAN, loopBackTestCapability BOOLEAN,
  n401Capability INTEGER (1..4095), maxWindowSizeCapability INTEGER (1..127),
  v75Capability V75Capability, ... }
V75Capability ::= SEQUENCE { audioHeader BOOLEAN, ... }

H2250Capability ::= SEQUENCE { maximumAudioDelayJitter INTEGER (0..1023),
  receiveMultipointCapability MultipointCapability,
  transmitMultipointCapability MultipointCapability,
  receiveAndTransmitMultipointCapability MultipointCapability,
  mcCapability SEQUENCE { centralizedConferenceMC BOOLEAN, decentralizedConferenceMC BOOLEAN,
    ... },
  rtcpVideoControlCapability BOOLEAN,
  mediaPacketizationCapability MediaPacketizationCapability, ...,
  transportCapability TransportCapability OPTIONAL,
  redundancyEncodingCapability SEQUENCE SIZE (1..256) OF RedundancyEncodingCapability OPTIONAL,
  logicalChannelSwitchingCapability BOOLEAN, t120DynamicPortCapability BOOLEAN }

MediaPacketizationCapability ::= SEQUENCE { h261aVideoPacketization BOOLEAN, ...,
  rtpPayloadType SEQUENCE SIZE (1..256) OF RTPPayloadType OPTIONAL }

RSVPParameters ::= SEQUENCE { qosMode QOSMode OPTIONAL,
  tokenRate INTEGER (1..4294967295) OPTIONAL, bucketSize INTEGER (1..4294967295) OPTIONAL,
  peakRate INTEGER (1..4294967295) OPTIONAL, minPoliced INTEGER (1..4294967295) OPTIONAL,
  maxPktSize INTEGER (1..4294967295) OPTIONAL, ... }
QOSMode ::= CHOICE { guaranteedQOS NULL, controlledLoad NULL, ... }
ATMParameters ::= SEQUENCE { maxNTUSize INTEGER (0..65535), atmUBR BOOLEAN, atmrtVBR BOOLEAN,
  atmnrtVBR BOOLEAN, atmABR BOOLEAN, atmCBR BOOLEAN, ... }
ServicePriorityValue ::= SEQUENCE { nonStandardParameter NonStandardParameter OPTIONAL, ...,
  value INTEGER (0..255) }
ServicePriority ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  servicePrioritySignalled BOOLEAN, servicePriorityValue ServicePriorityValue OPTIONAL, ...,
  serviceClass INTEGER (0..4095) OPTIONAL, serviceSubclass INTEGER (0..255) OPTIONAL }
AuthorizationParameters ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, ... }
QOSType ::= CHOICE { desired NULL, required NULL, ... }
QOSClass ::= CHOICE { class0 NULL, class1 NULL, class2 NULL, class3 NULL, class4 NULL,
  class5 NULL, ... }
QOSDescriptor ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL, qosType QOSType,
  qosClass QOSClass, ... }
GenericTransportParameters ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  averageRate INTEGER (1..4294967295) OPTIONAL, burst INTEGER (1..4294967295) OPTIONAL,
  peakRate INTEGER (1..4294967295) OPTIONAL, maxPktSize INTEGER (1..4294967295) OPTIONAL, ... }
QOSCapability ::= SEQUENCE { nonStandardData NonStandardParameter OPTIONAL,
  rsvpParameters RSVPParameters OPTIONAL, atmParameters ATMParameters OPTIONAL, ...,
  localQoS BOOLEAN OPTIONAL, genericTransportParameters GenericTransportParameters OPTIONAL,
  servicePriority ServicePriority OPTIONAL,
  authorizationParameter AuthorizationParameters OPTIONAL,
  qosDescriptor QOSDescriptor OPTIONAL, dscpValue INTEGER (0..63) OPTIONAL }

MediaTransportType ::= CHOICE { ip-UDP NULL, ip-TCP NULL, atm-AAL5-UNIDIR NULL,
  atm-AAL5-BIDIR NULL, ..., atm-AAL5-compressed SEQUENCE { variable-delta BOOLEAN, ... },
  sctp SctpParam, udp-dtls-sctp SEQUENCE OF SctpParam, tcp-dtls-sctp SEQUENCE OF SctpParam,
  sctp-dtls SctpParam }
MediaChannelCapability ::= SEQUENCE { mediaTransport MediaTransportType OPTIONAL, ... }
TransportCapability ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL,
  qOSCapabilities SEQUENCE SIZE (1..256) OF QOSCapability OPTIONAL,
  mediaChannelCapabilities SEQUENCE SIZE (1..256) OF MediaChannelCapability OPTIONAL, ... }

RedundancyEncodingCapability ::= SEQUENCE { redundancyEncodingMethod RedundancyEncodingMethod,
  primaryEncoding CapabilityTableEntryNumber,
  secondaryEncoding SEQUENCE SIZE (1..256) OF CapabilityTableEntryNumber OPTIONAL, ... }
RedundancyEncodingMethod ::= CHOICE { nonStandard NonStandardParameter,
  rtpAudioRedundancyEncoding NULL, ...,
  rtpH263VideoRedundancyEncoding RTPH263VideoRedundancyEncoding }
RTPH263VideoRedundancyEncoding ::= SEQUENCE { numberOfThreads INTEGER (1..16),
  framesBetweenSyncPoints INTEGER (1..256),
  frameToThreadMapping CHOICE { roundrobin NULL,
    custom SEQUENCE SIZE (1..256) OF RTPH263VideoRedundancyFrameMapping, ... },
  containedThreads SEQUENCE SIZE (1..256) OF INTEGER (0..15) OPTIONAL, ... }
RTPH263VideoRedundancyFrameMapping ::= SEQUENCE { threadNumber INTEGER (0..15),
  frameSequence SEQUENCE SIZE (1..256) OF INTEGER (0..255), ... }

MultipointCapability ::= SEQUENCE { multicastCapability BOOLEAN, multiUniCastConference BOOLEAN,
  mediaDistributionCapability SEQUENCE OF MediaDistributionCapability, ... }
MediaDistributionCapability ::= SEQUENCE { centralizedControl BOOLEAN,
  distributedControl BOOLEAN, centralizedAudio BOOLEAN, distributedAudio BOOLEAN,
  centralizedVideo BOOLEAN, distributedVideo BOOLEAN,
  centralizedData SEQUENCE OF DataApplicationCapability OPTIONAL,
  distributedData SEQUENCE OF DataApplicationCapability OPTIONAL, ... }

VideoCapability ::= CHOICE { nonStandard NonStandardParameter,
  h261VideoCapability H261VideoCapability, h262VideoCapability H262VideoCapability,
  h263VideoCapability H263VideoCapability, is11172VideoCapability IS11172VideoCapability, ...,
  genericVideoCapability GenericCapability, extendedVideoCapability ExtendedVideoCapability }
ExtendedVideoCapability ::= SEQUENCE { videoCapability SEQUENCE OF VideoCapability,
  videoCapabilityExtension SEQUENCE OF GenericCapability OPTIONAL, ... }
H261VideoCapability ::= SEQUENCE { qcifMPI INTEGER (1..4) OPTIONAL,
  cifMPI INTEGER (1..4) OPTIONAL, temporalSpatialTradeOffCapability BOOLEAN,
  maxBitRate INTEGER (1..19200), stillImageTransmission BOOLEAN, ..., videoBadMBsCap BOOLEAN }
H262VideoCapability ::= SEQUENCE { profileAndLevel-SPatML BOOLEAN,
  profileAndLevel-MPatLL BOOLEAN, profileAndLevel-MPatML BOOLEAN,
  profileAndLevel-MPatH-14 BOOLEAN, profileAndLevel-MPatHL BOOLEAN,
  profileAndLevel-SNRatLL BOOLEAN, profileAndLevel-SNRatML BOOLEAN,
  profileAndLevel-SpatialatH-14 BOOLEAN, profileAndLevel-HPatML BOOLEAN,
  profileAndLevel-HPatH-14 BOOLEAN, profileAndLevel-HPatHL BOOLEAN,
  videoBitRate INTEGER (0..1073741823) OPTIONAL, vbvBufferSize INTEGER (0..262143) OPTIONAL,
  samplesPerLine INTEGER (0..16383) OPTIONAL, linesPerFrame INTEGER (0..16383) OPTIONAL,
  framesPerSecond INTEGER (0..15) OPTIONAL,
  luminanceSampleRate INTEGER (0..4294967295) OPTIONAL, ..., videoBadMBsCap BOOLEAN }
H263VideoCapability ::= SEQUENCE { sqcifMPI INTEGER (1..32) OPTIONAL,
  qcifMPI INTEGER (1..32) OPTIONAL, cifMPI INTEGER (1..32) OPTIONAL,
  cif4MPI INTEGER (1..32) OPTIONAL, cif16MPI INTEGER (1..32) OPTIONAL,
  maxBitRate INTEGER (1..192400), unrestrictedVector BOOLEAN, arithmeticCoding BOOLEAN,
  advancedPrediction BOOLEAN, pbFrames BOOLEAN, temporalSpatialTradeOffCapability BOOLEAN,
  hrd-B INTEGER (0..524287) OPTIONAL, bppMaxKb INTEGER (0..65535) OPTIONAL, ...,
  slowSqcifMPI INTEGER (1..3600) OPTIONAL, slowQcifMPI INTEGER (1..3600) OPTIONAL,
  slowCifMPI INTEGER (1..3600) OPTIONAL, slowCif4MPI INTEGER (1..3600) OPTIONAL,
  slowCif16MPI INTEGER (1..3600) OPTIONAL, errorCompensation BOOLEAN,
  enhancementLayerInfo EnhancementLayerInfo OPTIONAL, h263Options H263Options OPTIONAL }
EnhancementLayerInfo ::= SEQUENCE { baseBitRateConstrained BOOLEAN,
  snrEnhancement SET SIZE (1..14) OF EnhancementOptions OPTIONAL,
  spatialEnhancement SET SIZE (1..14) OF EnhancementOptions OPTIONAL,
  bPictureEnhancement SET SIZE (1..14) OF BEnhancementParameters OPTIONAL, ... }
BEnhancementParameters ::= SEQUENCE { enhancementOptions EnhancementOptions,
  numberOfBPictures INTEGER (1..64), ... }
EnhancementOptions ::= SEQUENCE { sqcifMPI INTEGER (1..32) OPTIONAL,
  qcifMPI INTEGER (1..32) OPTIONAL, cifMPI INTEGER (1..32) OPTIONAL,
  cif4MPI INTEGER (1..32) OPTIONAL, cif16MPI INTEGER (1..32) OPTIONAL,
  maxBitRate INTEGER (1..192400), unrestrictedVector BOOLEAN, arithmeticCoding BOOLEAN,
  temporalSpatialTradeOffCapability BOOLEAN, slowSqcifMPI INTEGER (1..3600) OPTIONAL,
  slowQcifMPI INTEGER (1..3600) OPTIONAL, slowCifMPI INTEGER (1..3600) OPTIONAL,
  slowCif4MPI INTEGER (1..3600) OPTIONAL, slowCif16MPI INTEGER (1..3600) OPTIONAL,
  errorCompensation BOOLEAN, h263Options H263Options OPTIONAL, ... }
H263Options ::= SEQUENCE { advancedIntraCodingMode BOOLEAN, deblockingFilterMode BOOLEAN,
  improvedPBFramesMode BOOLEAN, unlimitedMotionVectors BOOLEAN, fullPictureFreeze BOOLEAN,
  partialPictureFreezeAndRelease BOOLEAN, resizingPartPicFreezeAndRelease BOOLEAN,
  fullPictureSnapshot BOOLEAN, partialPictureSnapshot BOOLEAN, videoSegmentTagging BOOLEAN,
  progressiveRefinement BOOLEAN, dynamicPictureResizingByFour BOOLEAN,
  dynamicPictureResizingSixteenthPel BOOLEAN, dynamicWarpingHalfPel BOOLEAN,
  dynamicWarpingSixteenthPel BOOLEAN, independentSegmentDecoding BOOLEAN,
  slicesInOrder-NonRect BOOLEAN, slicesInOrder-Rect BOOLEAN, slicesNoOrder-NonRect BOOLEAN,
  slicesNoOrder-Rect BOOLEAN, alternateInterVLCMode BOOLEAN, modifiedQuantizationMode BOOLEAN,
  reducedResolutionUpdate BOOLEAN, transparencyParameters TransparencyParameters OPTIONAL,
  separateVideoBackChannel BOOLEAN, refPictureSelection RefPictureSelection OPTIONAL,
  customPictureClockFrequency SET SIZE (1..16) OF CustomPictureClockFrequency OPTIONAL,
  customPictureFormat SET SIZE (1..16) OF CustomPictureFormat OPTIONAL,
  modeCombos SET SIZE (1..16) OF H263VideoModeCombos OPTIONAL, ...,
  videoBadMBsCap BOOLEAN, h263Version3Options H263Version3Options }
TransparencyParameters ::= SEQUENCE { presentationOrder INTEGER (1..256),
  offset-x INTEGER (-262144..262143), offset-y INTEGER (-262144..262143),
  scale-x INTEGER (1..255), scale-y INTEGER (1..255), ... }
RefPictureSelection ::= SEQUENCE {
  additionalPictureMemory SEQUENCE { sqcifAdditionalPictureMemory INTEGER (1..256) OPTIONAL,
    qcifAdditionalPictureMemory INTEGER (1..256) OPTIONAL,
    cifAdditionalPictureMemory INTEGER (1..256) OPTIONAL,
    cif4AdditionalPictureMemory INTEGER (1..256) OPTIONAL,
    cif16AdditionalPictureMemory INTEGER (1..256) OPTIONAL,
    bigCpfAdditionalPictureMemory INTEGER (1..256) OPTIONAL, ... } OPTIONAL,
  videoMux BOOLEAN,
  videoBackChannelSend CHOICE { none NULL, ackMessageOnly NULL, nackMessageOnly NULL,
    ackOrNackMessageOnly NULL, ackAndNackMessage NULL, ... }, ...,
  enhancedReferencePicSelect SEQUENCE {
    subPictureRemovalParameters SEQUENCE { mpuHorizMBs INTEGER (1..128),
      mpuVertMBs INTEGER (1..72), mpuTotalNumber INTEGER (1..65536), ... } OPTIONAL, ... } }
CustomPictureClockFrequency ::= SEQUENCE { clockConversionCode INTEGER (1000..1001),
  clockDivisor INTEGER (1..127), sqcifMPI INTEGER (1..2048) OPTIONAL,
  qcifMPI INTEGER (1..2048) OPTIONAL, cifMPI INTEGER (1..2048) OPTIONAL,
  cif4MPI INTEGER (1..2048) OPTIONAL, cif16MPI INTEGER (1..2048) OPTIONAL, ... }
CustomPictureFormat ::= SEQUENCE { maxCustomPictureWidth INTEGER (1..2048),
  maxCustomPictureHeight INTEGER (1..2048), minCustomPictureWidth INTEGER (1..2048),
  minCustomPictureHeight INTEGER (1..2048),
  mPI SEQUENCE { standardMPI INTEGER (1..31) OPTIONAL,
    customPCF SET SIZE (1..16) OF SEQUENCE { clockConversionCode INTEGER (1000..1001),
      clockDivisor INTEGER (1..127), customMPI INTEGER (1..2048), ... } OPTIONAL, ... },
  pixelAspectInformation CHOICE { anyPixelAspectRatio BOOLEAN,
    pixelAspectCode SET SIZE (1..14) OF INTEGER (1..14),
    extendedPAR SET SIZE (1..256) OF SEQUENCE { width INTEGER (1..255),
      height INTEGER (1..255), ... }, ... }, ... }
H263VideoModeCombos ::= SEQUENCE { h263VideoUncoupledModes H263ModeComboFlags,
  h263VideoCoupledModes SET SIZE (1..16) OF H263ModeComboFlags, ... }
H263ModeComboFlags ::= SEQUENCE { unrestrictedVector BOOLEAN, arithmeticCoding BOOLEAN,
  advancedPrediction BOOLEAN, pbFrames BOOLEAN, advancedIntraCodingMode BOOLEAN,
  deblockingFilterMode BOOLEAN, unlimitedMotionVectors BOOLEAN, slicesInOrder-NonRect BOOLEAN,
  slicesInOrder-Rect BOOLEAN, slicesNoOrder-NonRect BOOLEAN, slicesNoOrder-Rect BOOLEAN,
  improvedPBFramesMode BOOLEAN, referencePicSelect BOOLEAN,
  dynamicPictureResizingByFour BOOLEAN, dynamicPictureResizingSixteenthPel BOOLEAN,
  dynamicWarpingHalfPel BOOLEAN, dynamicWarpingSixteenthPel BOOLEAN,
  reducedResolutionUpdate BOOLEAN, independentSegmentDecoding BOOLEAN,
  alternateInterVLCMode BOOLEAN, modifiedQuantizationMode BOOLEAN, ...,
  enhancedReferencePicSelect BOOLEAN, h263Version3Options H263Version3Options }
H263Version3Options ::= SEQUENCE { dataPartitionedSlices BOOLEAN, fixedPointIDCT0 BOOLEAN,
  interlacedFields BOOLEAN, currentPictureHeaderRepetition BOOLEAN,
  previousPictureHeaderRepetition BOOLEAN, nextPictureHeaderRepetition BOOLEAN,
  pictureNumber BOOLEAN, spareReferencePictures BOOLEAN, ... }
IS11172VideoCapability ::= SEQUENCE { constrainedBitstream BOOLEAN,
  videoBitRate INTEGER (0..1073741823) OPTIONAL, vbvBufferSize INTEGER (0..262143) OPTIONAL,
  samplesPerLine INTEGER (0..16383) OPTIONAL, linesPerFrame INTEGER (0..16383) OPTIONAL,
  pictureRate INTEGER (0..15) OPTIONAL, luminanceSampleRate INTEGER (0..4294967295) OPTIONAL,
  ..., videoBadMBsCap BOOLEAN }

AudioCapability ::= CHOICE { nonStandard NonStandardParameter,
  g711Alaw64k INTEGER (1..256), g711Alaw56k INTEGER (1..256), g711Ulaw64k INTEGER (1..256),
  g711Ulaw56k INTEGER (1..256), g722-64k INTEGER (1..256), g722-56k INTEGER (1..256),
  g722-48k INTEGER (1..256),
  g7231 SEQUENCE { maxAl-sduAudioFrames INTEGER (1..256), silenceSuppression BOOLEAN },
  g728 INTEGER (1..256), g729 INTEGER (1..256), g729AnnexA INTEGER (1..256),
  is11172AudioCapability IS11172AudioCapability,
  is13818AudioCapability IS13818AudioCapability, ...,
  g729wAnnexB INTEGER (1..256), g729AnnexAwAnnexB INTEGER (1..256),
  g7231AnnexCCapability G7231AnnexCCapability, gsmFullRate GSMAudioCapability,
  gsmHalfRate GSMAudioCapability, gsmEnhancedFullRate GSMAudioCapability,
  genericAudioCapability GenericCapability, g729Extensions G729Extensions, vbd VBDCapability,
  audioTelephonyEvent NoPTAudioTelephonyEventCapability, audioTone NoPTAudioToneCapability,
  extendedAudioCapability ExtendedAudioCapability }
ExtendedAudioCapability ::= SEQUENCE { audioCapability SEQUENCE OF AudioCapability,
  audioCapabilityExtension SEQUENCE OF GenericCapability OPTIONAL, ... }
G729Extensions ::= SEQUENCE { audioUnit INTEGER (1..256) OPTIONAL, annexA BOOLEAN,
  annexB BOOLEAN, annexD BOOLEAN, annexE BOOLEAN, annexF BOOLEAN, annexG BOOLEAN,
  annexH BOOLEAN, ... }
G7231AnnexCCapability ::= SEQUENCE { maxAl-sduAudioFrames INTEGER (1..256),
  silenceSuppression BOOLEAN,
  g723AnnexCAudioMode SEQUENCE { highRateMode0 INTEGER (27..78), highRateMode1 INTEGER (27..78),
    lowRateMode0 INTEGER (23..66), lowRateMode1 INTEGER (23..66), sidMode0 INTEGER (6..17),
    sidMode1 INTEGER (6..17), ... } OPTIONAL, ... }
IS11172AudioCapability ::= SEQUENCE { audioLayer1 BOOLEAN, audioLayer2 BOOLEAN,
  audioLayer3 BOOLEAN, audioSampling32k BOOLEAN, audioSampling44k1 BOOLEAN,
  audioSampling48k BOOLEAN, singleChannel BOOLEAN, twoChannels BOOLEAN,
  bitRate INTEGER (1..448), ... }
IS13818AudioCapability ::= SEQUENCE { audioLayer1 BOOLEAN, audioLayer2 BOOLEAN,
  audioLayer3 BOOLEAN, audioSampling16k BOOLEAN, audioSampling22k05 BOOLEAN,
  audioSampling24k BOOLEAN, audioSampling32k BOOLEAN, audioSampling44k1 BOOLEAN,
  audioSampling48k BOOLEAN, singleChannel BOOLEAN, twoChannels BOOLEAN,
  threeChannels2-1 BOOLEAN, threeChannels3-0 BOOLEAN, fourChannels2-0-2-0 BOOLEAN,
  fourChannels2-2 BOOLEAN, fourChannels3-1 BOOLEAN, fiveChannels3-0-2-0 BOOLEAN,
  fiveChannels3-2 BOOLEAN, lowFrequencyEnhancement BOOLEAN, multilingual BOOLEAN,
  bitRate INTEGER (1..1130), ... }
GSMAudioCapability ::= SEQUENCE { audioUnitSize INTEGER (1..256), comfortNoise BOOLEAN,
  scrambled BOOLEAN, ... }
VBDCapability ::= SEQUENCE { type AudioCapability, ... }

DataApplicationCapability ::= SEQUENCE {
  application CHOICE { nonStandard NonStandardParameter, t120 DataProtocolCapability,
    dsm-cc DataProtocolCapability, userData DataProtocolCapability,
    t84 SEQUENCE { t84Protocol DataProtocolCapability, t84Profile T84Profile },
    t434 DataProtocolCapability, h224 DataProtocolCapability,
    nlpid SEQUENCE { nlpidProtocol DataProtocolCapability, nlpidData OCTET STRING },
    dsvdControl NULL, h222DataPartitioning DataProtocolCapability, ...,
    t30fax DataProtocolCapability, t140 DataProtocolCapability,
    t38fax SEQUENCE { t38FaxProtocol DataProtocolCapability, t38FaxProfile T38FaxProfile },
    genericDataCapability GenericCapability, dataChannel SEQUENCE OF DataChannel,
    extendedDataCapability ExtendedDataCapability },
  maxBitRate INTEGER (0..4294967295), ... }
ExtendedDataCapability ::= SEQUENCE { dataCapability SEQUENCE OF DataApplicationCapability,
  dataCapabilityExtension SEQUENCE OF GenericCapability OPTIONAL, ... }
DataProtocolCapability ::= CHOICE { nonStandard NonStandardParameter, v14buffered NULL,
  v42lapm NULL, hdlcFrameTunnelling NULL, h310SeparateVCStack NULL, h310SingleVCStack NULL,
  transparent NULL, ..., segmentationAndReassembly NULL, hdlcFrameTunnelingwSAR NULL,
  v120 NULL, separateLANStack NULL,
  v76wCompression CHOICE { transmitCompression CompressionType,
    receiveCompression CompressionType, transmitAndReceiveCompression CompressionType, ... },
  tcp NULL, udp NULL, sctp SctpParam, udp-dtls-sctp SEQUENCE OF SctpParam,
  tcp-dtls-sctp SEQUENCE OF SctpParam, sctp-dtls SctpParam }
CompressionType ::= CHOICE { v42bis V42bis, ... }
V42bis ::= SEQUENCE { numberOfCodewords INTEGER (1..65536), maximumStringLength INTEGER (1..256),
  ... }
T84Profile ::= CHOICE { t84Unrestricted NULL,
  t84Restricted SEQUENCE { qcif BOOLEAN, cif BOOLEAN, ccir601Seq BOOLEAN, ccir601Prog BOOLEAN,
    hdtvSeq BOOLEAN, hdtvProg BOOLEAN, g3FacsMH200x100 BOOLEAN, g3FacsMH200x200 BOOLEAN,
    g4FacsMMR200x100 BOOLEAN, g4FacsMMR200x200 BOOLEAN, jbig200x200Seq BOOLEAN,
    jbig200x200Prog BOOLEAN, jbig300x300Seq BOOLEAN, jbig300x300Prog BOOLEAN,
    digPhotoLow BOOLEAN, digPhotoMedSeq BOOLEAN, digPhotoMedProg BOOLEAN,
    digPhotoHighSeq BOOLEAN, digPhotoHighProg BOOLEAN, ... } }
T38FaxProfile ::= SEQUENCE { fillBitRemoval BOOLEAN, transcodingJBIG BOOLEAN,
  transcodingMMR BOOLEAN, ..., version INTEGER (0..255),
  t38FaxRateManagement T38FaxRateManagement, t38FaxUdpOptions T38FaxUdpOptions OPTIONAL,
  t38FaxTcpOptions T38FaxTcpOptions OPTIONAL }
T38FaxRateManagement ::= CHOICE { localTCF NULL, transferredTCF NULL, ... }
T38FaxUdpOptions ::= SEQUENCE { t38FaxMaxBuffer INTEGER OPTIONAL,
  t38FaxMaxDatagram INTEGER OPTIONAL,
  t38FaxUdpEC CHOICE { t38UDPFEC NULL, t38UDPRedundancy NULL, ... } }
T38FaxTcpOptions ::= SEQUENCE { t38TCPBidirectionalMode BOOLEAN, ... }
DataChannel ::= SEQUENCE { dataChannelProfile SEQUENCE OF DataChannelProfile OPTIONAL, ... }
DataChannelProfile ::= SEQUENCE { ordered BOOLEAN OPTIONAL,
  priority INTEGER (0..65535) OPTIONAL,
  reliabilityParm CHOICE { maxRetr INTEGER (0..4294967295), maxTime INTEGER (0..4294967295),
    ... } OPTIONAL,
  label IA5String (SIZE (1..65535)) OPTIONAL, protocol IA5String (SIZE (1..65535)) OPTIONAL,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL,
  establishmentType CHOICE { sctpStreamID INTEGER (0..65535), dcep NULL, ... }, ... }
SCTPChunkType ::= INTEGER (0..255)
SctpParam ::= SEQUENCE { appPPID SEQUENCE OF INTEGER (1..4294967295) OPTIONAL,
  maxMessageSize INTEGER OPTIONAL, sctpExtensions SEQUENCE OF SCTPChunkType OPTIONAL,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL,
  sctpPort INTEGER (0..65535) OPTIONAL, ... }

EncryptionAuthenticationAndIntegrity ::= SEQUENCE {
  encryptionCapability EncryptionCapability OPTIONAL,
  authenticationCapability AuthenticationCapability OPTIONAL,
  integrityCapability IntegrityCapability OPTIONAL, ...,
  genericH235SecurityCapability GenericCapability OPTIONAL,
  dtlsSecurityCapability DTLSSecurityCapability OPTIONAL }
EncryptionCapability ::= SEQUENCE SIZE (1..256) OF MediaEncryptionAlgorithm
MediaEncryptionAlgorithm ::= CHOICE { nonStandard NonStandardParameter,
  algorithm OBJECT IDENTIFIER, ... }
AuthenticationCapability ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL, ...,
  antiSpamAlgorithm OBJECT IDENTIFIER OPTIONAL }
IntegrityCapability ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL, ... }

UserInputCapability ::= CHOICE { nonStandard SEQUENCE SIZE (1..16) OF NonStandardParameter,
  basicString NULL, iA5String NULL, generalString NULL, dtmf NULL, hookflash NULL, ...,
  extendedAlphanumeric NULL, encryptedBasicString NULL, encryptedIA5String NULL,
  encryptedGeneralString NULL, secureDTMF NULL,
  genericUserInputCapability GenericCapability }

ConferenceCapability ::= SEQUENCE { nonStandardData SEQUENCE OF NonStandardParameter OPTIONAL,
  chairControlCapability BOOLEAN, ..., videoIndicateMixingCapability BOOLEAN,
  multipointVisualizationCapability BOOLEAN OPTIONAL }

GenericCapability ::= SEQUENCE { capabilityIdentifier CapabilityIdentifier,
  maxBitRate INTEGER (0..4294967295) OPTIONAL,
  collapsing SEQUENCE OF GenericParameter OPTIONAL,
  nonCollapsing SEQUENCE OF GenericParameter OPTIONAL,
  nonCollapsingRaw OCTET STRING OPTIONAL, transport DataProtocolCapability OPTIONAL, ... }
CapabilityIdentifier ::= CHOICE { standard OBJECT IDENTIFIER,
  h221NonStandard NonStandardParameter, uuid OCTET STRING (SIZE (16)),
  domainBased IA5String (SIZE (1..64)), ... }
GenericParameter ::= SEQUENCE { parameterIdentifier ParameterIdentifier,
  parameterValue ParameterValue, supersedes SEQUENCE OF ParameterIdentifier OPTIONAL, ... }
ParameterIdentifier ::= CHOICE { standard INTEGER (0..127),
  h221NonStandard NonStandardParameter, uuid OCTET STRING (SIZE (16)),
  domainBased IA5String (SIZE (1..64)), ... }
ParameterValue ::= CHOICE { logical NULL, booleanArray INTEGER (0..255),
  unsignedMin INTEGER (0..65535), unsignedMax INTEGER (0..65535),
  unsigned32Min INTEGER (0..4294967295), unsigned32Max INTEGER (0..4294967295),
  octetString OCTET STRING, genericParameter SEQUENCE OF GenericParameter, ... }

MultiplexedStreamCapability ::= SEQUENCE { multiplexFormat MultiplexFormat,
  controlOnMuxStream BOOLEAN,
  capabilityOnMuxStream SET SIZE (1..256) OF AlternativeCapabilitySet OPTIONAL, ... }
MultiplexFormat ::= CHOICE { nonStandard NonStandardParameter, h222Capability H222Capability,
  h223Capability H223Capability, ... }

AudioTelephonyEventCapability ::= SEQUENCE { dynamicRTPPayloadType INTEGER (96..127),
  audioTelephoneEvent GeneralString, ... }
AudioToneCapability ::= SEQUENCE { dynamicRTPPayloadType INTEGER (96..127), ... }
NoPTAudioTelephonyEventCapability ::= SEQUENCE { audioTelephoneEvent GeneralString, ... }
NoPTAudioToneCapability ::= SEQUENCE { ... }

MultiplePayloadStreamCapability ::= SEQUENCE {
  capabilities SET SIZE (1..256) OF AlternativeCapabilitySet, ... }

DepFECCapability ::= CHOICE {
  rfc2733 SEQUENCE { redundancyEncoding BOOLEAN,
    separateStream SEQUENCE { separatePort BOOLEAN, samePort BOOLEAN, ... }, ... }, ... }
FECCapability ::= SEQUENCE { protectedCapability CapabilityTableEntryNumber,
  fecScheme OBJECT IDENTIFIER OPTIONAL,
  rfc2733Format CHOICE { rfc2733rfc2198 MaxRedundancy, rfc2733sameport MaxRedundancy,
    rfc2733diffport MaxRedundancy } OPTIONAL, ... }
MaxRedundancy ::= INTEGER (1..MAX)

OpenLogicalChannel ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
  forwardLogicalChannelParameters SEQUENCE { portNumber INTEGER (0..65535) OPTIONAL,
    dataType DataType,
    multiplexParameters CHOICE {
      h222LogicalChannelParameters H222LogicalChannelParameters,
      h223LogicalChannelParameters H223LogicalChannelParameters,
      v76LogicalChannelParameters V76LogicalChannelParameters, ...,
      h2250LogicalChannelParameters H2250LogicalChannelParameters, none NULL }, ...,
    forwardLogicalChannelDependency LogicalChannelNumber OPTIONAL,
    replacementFor LogicalChannelNumber OPTIONAL },
  reverseLogicalChannelParameters SEQUENCE { dataType DataType,
    multiplexParameters CHOICE {
      h223LogicalChannelParameters H223LogicalChannelParameters,
      v76LogicalChannelParameters V76LogicalChannelParameters, ...,
      h2250LogicalChannelParameters H2250LogicalChannelParameters } OPTIONAL, ...,
    reverseLogicalChannelDependency LogicalChannelNumber OPTIONAL,
    replacementFor LogicalChannelNumber OPTIONAL } OPTIONAL, ...,
  separateStack NetworkAccessParameters OPTIONAL, encryptionSync EncryptionSync OPTIONAL,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
LogicalChannelNumber ::= INTEGER (1..65535)
NetworkAccessParameters ::= SEQUENCE {
  distribution CHOICE { unicast NULL, multicast NULL, ... } OPTIONAL,
  networkAddress CHOICE { q2931Address Q2931Address,
    e164Address IA5String (SIZE (1..128)) (FROM ("0123456789#*,")),
    localAreaAddress TransportAddress, ... },
  associateConference BOOLEAN, externalReference OCTET STRING (SIZE (1..255)) OPTIONAL, ...,
  t120SetupProcedure CHOICE { originateCall NULL, waitForCall NULL, issueQuery NULL,
    ... } OPTIONAL }
Q2931Address ::= SEQUENCE {
  address CHOICE { internationalNumber NumericString (SIZE (1..16)),
    nsapAddress OCTET STRING (SIZE (1..20)), ... },
  subaddress OCTET STRING (SIZE (1..20)) OPTIONAL, ... }
V75Parameters ::= SEQUENCE { audioHeaderPresent BOOLEAN, ... }
DataType ::= CHOICE { nonStandard NonStandardParameter, nullData NULL,
  videoData VideoCapability, audioData AudioCapability, data DataApplicationCapability,
  encryptionData EncryptionMode, ..., h235Control NonStandardParameter, h235Media H235Media,
  multiplexedStream MultiplexedStreamParameter, redundancyEncoding RedundancyEncoding,
  multiplePayloadStream MultiplePayloadStream, depFec DepFECData, fec FECData }
H235Media ::= SEQUENCE {
  encryptionAuthenticationAndIntegrity EncryptionAuthenticationAndIntegrity,
  mediaType CHOICE { nonStandard NonStandardParameter, videoData VideoCapability,
    audioData AudioCapability, data DataApplicationCapability, ...,
    redundancyEncoding RedundancyEncoding, multiplePayloadStream MultiplePayloadStream,
    depFec DepFECData, fec FECData }, ... }
MultiplexedStreamParameter ::= SEQUENCE { multiplexFormat MultiplexFormat,
  controlOnMuxStream BOOLEAN, ... }
H222LogicalChannelParameters ::= SEQUENCE { resourceID INTEGER (0..65535),
  subChannelID INTEGER (0..8191), pcr-pid INTEGER (0..8191) OPTIONAL,
  programDescriptors OCTET STRING OPTIONAL, streamDescriptors OCTET STRING OPTIONAL, ... }
H223LogicalChannelParameters ::= SEQUENCE {
  adaptationLayerType CHOICE { nonStandard NonStandardParameter, al1Framed NULL,
    al1NotFramed NULL, al2WithoutSequenceNumbers NULL, al2WithSequenceNumbers NULL,
    al3 SEQUENCE { controlFieldOctets INTEGER (0..2), sendBufferSize INTEGER (0..16777215) },
    ..., al1M H223AL1MParameters, al2M H223AL2MParameters, al3M H223AL3MParameters },
  segmentableFlag BOOLEAN, ... }
H223AL1MParameters ::= SEQUENCE {
  transferMode CHOICE { framed NULL, unframed NULL, ... },
  headerFEC CHOICE { sebch16-7 NULL, golay24-12 NULL, ... },
  crcLength CHOICE { crc4bit NULL, crc12bit NULL, crc20bit NULL, crc28bit NULL, ...,
    crc8bit NULL, crc16bit NULL, crc32bit NULL, crcNotUsed NULL },
  rcpcCodeRate INTEGER (8..32),
  arqType CHOICE { noArq NULL, typeIArq H223AnnexCArqParameters,
    typeIIArq H223AnnexCArqParameters, ... },
  alpduInterleaving BOOLEAN, alsduSplitting BOOLEAN, ...,
  rsCodeCorrection INTEGER (0..127) OPTIONAL }
H223AL2MParameters ::= SEQUENCE { headerFEC CHOICE { sebch16-5 NULL, golay24-12 NULL, ... },
  alpduInterleaving BOOLEAN, ... }
H223AL3MParameters ::= SEQUENCE {
  headerFormat CHOICE { sebch16-7 NULL, golay24-12 NULL, ... },
  crcLength CHOICE { crc4bit NULL, crc12bit NULL, crc20bit NULL, crc28bit NULL, ...,
    crc8bit NULL, crc16bit NULL, crc32bit NULL, crcNotUsed NULL },
  rcpcCodeRate INTEGER (8..32),
  arqType CHOICE { noArq NULL, typeIArq H223AnnexCArqParameters,
    typeIIArq H223AnnexCArqParameters, ... },
  alpduInterleaving BOOLEAN, ..., rsCodeCorrection INTEGER (0..127) OPTIONAL }
H223AnnexCArqParameters ::= SEQUENCE {
  numberOfRetransmissions CHOICE { finite INTEGER (0..16), infinite NULL, ... },
  sendBufferSize INTEGER (0..16777215), ... }
V76LogicalChannelParameters ::= SEQUENCE { hdlcParameters V76HDLCParameters,
  suspendResume CHOICE { noSuspendResume NULL, suspendResumewAddress NULL,
    suspendResumewoAddress NULL, ... },
  uIH BOOLEAN,
  mode CHOICE {
    eRM SEQUENCE { windowSize INTEGER (1..127),
      recovery CHOICE { rej NULL, sREJ NULL, mSREJ NULL, ... }, ... },
    uNERM NULL, ... },
  v75Parameters V75Parameters, ... }
V76HDLCParameters ::= SEQUENCE { crcLength CRCLength, n401 INTEGER (1..4095),
  loopbackTestProcedure BOOLEAN, ... }
CRCLength ::= CHOICE { crc8bit NULL, crc16bit NULL, crc32bit NULL, ... }
H2250LogicalChannelParameters ::= SEQUENCE {
  nonStandard SEQUENCE OF NonStandardParameter OPTIONAL, sessionID INTEGER (0..255),
  associatedSessionID INTEGER (1..255) OPTIONAL, mediaChannel TransportAddress OPTIONAL,
  mediaGuaranteedDelivery BOOLEAN OPTIONAL, mediaControlChannel TransportAddress OPTIONAL,
  mediaControlGuaranteedDelivery BOOLEAN OPTIONAL, silenceSuppression BOOLEAN OPTIONAL,
  destination TerminalLabel OPTIONAL, dynamicRTPPayloadType INTEGER (96..127) OPTIONAL,
  mediaPacketization CHOICE { h261aVideoPacketization NULL, ...,
    rtpPayloadType RTPPayloadType } OPTIONAL, ...,
  transportCapability TransportCapability OPTIONAL,
  redundancyEncoding RedundancyEncoding OPTIONAL, source TerminalLabel OPTIONAL,
  nominalAudioLevel INTEGER (0..63) OPTIONAL }
RTPPayloadType ::= SEQUENCE {
  payloadDescriptor CHOICE { nonStandardIdentifier NonStandardParameter,
    rfc-number INTEGER (1..32768, ...), oid OBJECT IDENTIFIER, ... },
  payloadType INTEGER (0..127) OPTIONAL, ... }
RedundancyEncoding ::= SEQUENCE { redundancyEncodingMethod RedundancyEncodingMethod,
  secondaryEncoding DataType OPTIONAL, ...,
  rtpRedundancyEncoding SEQUENCE { primary RedundancyEncodingElement OPTIONAL,
    secondary SEQUENCE OF RedundancyEncodingElement OPTIONAL, ... } OPTIONAL }
RedundancyEncodingElement ::= SEQUENCE { dataType DataType,
  payloadType INTEGER (0..127) OPTIONAL, ... }
MultiplePayloadStream ::= SEQUENCE { elements SEQUENCE OF MultiplePayloadStreamElement, ... }
MultiplePayloadStreamElement ::= SEQUENCE { dataType DataType,
  payloadType INTEGER (0..127) OPTIONAL, ... }
DepFECData ::= CHOICE {
  rfc2733 SEQUENCE {
    mode CHOICE { redundancyEncoding NULL,
      separateStream CHOICE {
        differentPort SEQUENCE { protectedSessionID INTEGER (1..255),
          protectedPayloadType INTEGER (0..127) OPTIONAL, ... },
        samePort SEQUENCE { protectedPayloadType INTEGER (0..127), ... }, ... }, ... }, ... } }
FECData ::= CHOICE {
  rfc2733 SEQUENCE { protectedPayloadType INTEGER (0..127),
    fecScheme OBJECT IDENTIFIER OPTIONAL,
    pktMode CHOICE { rfc2198coding NULL, rfc2733sameport SEQUENCE { ... },
      rfc2733diffport SEQUENCE { protectedChannel LogicalChannelNumber, ... }, ... }, ... },
  ... }

TransportAddress ::= CHOICE { unicastAddress UnicastAddress,
  multicastAddress MulticastAddress, ... }
UnicastAddress ::= CHOICE {
  iPAddress SEQUENCE { network OCTET STRING (SIZE (4)), tsapIdentifier INTEGER (0..65535), ... },
  iPXAddress SEQUENCE { node OCTET STRING (SIZE (6)), netnum OCTET STRING (SIZE (4)),
    tsapIdentifier OCTET STRING (SIZE (2)), ... },
  iP6Address SEQUENCE { network OCTET STRING (SIZE (16)),
    tsapIdentifier INTEGER (0..65535), ... },
  netBios OCTET STRING (SIZE (16)),
  iPSourceRouteAddress SEQUENCE { routing CHOICE { strict NULL, loose NULL },
    network OCTET STRING (SIZE (4)), tsapIdentifier INTEGER (0..65535),
    route SEQUENCE OF OCTET STRING (SIZE (4)), ... }, ...,
  nsap OCTET STRING (SIZE (1..20)), nonStandardAddress NonStandardParameter }
MulticastAddress ::= CHOICE {
  iPAddress SEQUENCE { network OCTET STRING (SIZE (4)), tsapIdentifier INTEGER (0..65535), ... },
  iP6Address SEQUENCE { network OCTET STRING (SIZE (16)),
    tsapIdentifier INTEGER (0..65535), ... }, ...,
  nsap OCTET STRING (SIZE (1..20)), nonStandardAddress NonStandardParameter }
EncryptionSync ::= SEQUENCE { nonStandard NonStandardParameter OPTIONAL,
  synchFlag INTEGER (0..255), h235Key OCTET STRING (SIZE (1..65535)),
  escrowentry SEQUENCE SIZE (1..256) OF EscrowData OPTIONAL, ...,
  genericParameter GenericParameter OPTIONAL }
EscrowData ::= SEQUENCE { escrowID OBJECT IDENTIFIER, escrowValue BIT STRING (SIZE (1..65535)),
  ... }

OpenLogicalChannelAck ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
  reverseLogicalChannelParameters SEQUENCE {
    reverseLogicalChannelNumber LogicalChannelNumber, portNumber INTEGER (0..65535) OPTIONAL,
    multiplexParameters CHOICE {
      h222LogicalChannelParameters H222LogicalChannelParameters, ...,
      h2250LogicalChannelParameters H2250LogicalChannelParameters } OPTIONAL, ...,
    replacementFor LogicalChannelNumber OPTIONAL } OPTIONAL, ...,
  separateStack NetworkAccessParameters OPTIONAL,
  forwardMultiplexAckParameters CHOICE {
    h2250LogicalChannelAckParameters H2250LogicalChannelAckParameters, ... } OPTIONAL,
  encryptionSync EncryptionSync OPTIONAL,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL,
  dtlsSecurityCapability DTLSSecurityCapability OPTIONAL }
OpenLogicalChannelReject ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
  cause CHOICE { unspecified NULL, unsuitableReverseParameters NULL, dataTypeNotSupported NULL,
    dataTypeNotAvailable NULL, unknownDataType NULL, dataTypeALCombinationNotSupported NULL, ...,
    multicastChannelNotAllowed NULL, insufficientBandwidth NULL,
    separateStackEstablishmentFailed NULL, invalidSessionID NULL, masterSlaveConflict NULL,
    waitForCommunicationMode NULL, invalidDependentChannel NULL, replacementForRejected NULL,
    securityDenied NULL, qoSControlNotSupported NULL }, ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
OpenLogicalChannelConfirm ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ...,
  genericInformation SEQUENCE OF GenericInformation OPTIONAL }
H2250LogicalChannelAckParameters ::= SEQUENCE {
  nonStandard SEQUENCE OF NonStandardParameter OPTIONAL,
  sessionID INTEGER (1..255) OPTIONAL, mediaChannel TransportAddress OPTIONAL,
  mediaControlChannel TransportAddress OPTIONAL,
  dynamicRTPPayloadType INTEGER (96..127) OPTIONAL, ..., flowControlToZero BOOLEAN,
  portNumber INTEGER (0..65535) OPTIONAL, multiplePayloadStream MultiplePayloadStream OPTIONAL }
CloseLogicalChannel ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
  source CHOICE { user NULL, lcse NULL }, ...,
  reason CHOICE { unknown NULL, reopen NULL, reservationFailure NULL, ...,
    networkErrorCode INTEGER (0..255) } }
CloseLogicalChannelAck ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ... }
RequestChannelClose ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ...,
  qosCapability QOSCapability OPTIONAL,
  reason CHOICE { unknown NULL, normal NULL, reopen NULL, reservationFailure NULL, ...,
    networkErrorCode INTEGER (0..255) } }
RequestChannelCloseAck ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ... }
RequestChannelCloseReject ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
  cause CHOICE { unspecified NULL, ... }, ... }
RequestChannelCloseRelease ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ... }

MultiplexEntrySend ::= SEQUENCE { sequenceNumber SequenceNumber,
  multiplexEntryDescriptors SET SIZE (1..15) OF MultiplexEntryDescriptor, ... }
MultiplexEntryDescriptor ::= SEQUENCE { multiplexTableEntryNumber MultiplexTableEntryNumber,
  elementList SEQUENCE SIZE (1..256) OF MultiplexElement OPTIONAL }
MultiplexElement ::= SEQUENCE {
  type CHOICE { logicalChannelNumber INTEGER (0..65535),
    subElementList SEQUENCE SIZE (2..255) OF MultiplexElement },
  repeatCount CHOICE { finite INTEGER (1..65535), untilClosingFlag NULL } }
MultiplexTableEntryNumber ::= INTEGER (1..15)
MultiplexEntrySendAck ::= SEQUENCE { sequenceNumber SequenceNumber,
  multiplexTableEntryNumber SET SIZE (1..15) OF MultiplexTableEntryNumber, ... }
MultiplexEntrySendReject ::= SEQUENCE { sequenceNumber SequenceNumber,
  rejectionDescriptions SET SIZE (1..15) OF MultiplexEntryRejectionDescriptions, ... }
MultiplexEntryRejectionDescriptions ::= SEQUENCE {
  multiplexTableEntryNumber MultiplexTableEntryNumber,
  cause CHOICE { unspecifiedCause NULL, descriptorTooComplex NULL, ... }, ... }
MultiplexEntrySendRelease ::= SEQUENCE {
  multiplexTableEntryNumber SET SIZE (1..15) OF MultiplexTableEntryNumber, ... }
RequestMultiplexEntry ::= SEQUENCE {
  entryNumbers SET SIZE (1..15) OF MultiplexTableEntryNumber, ... }
RequestMultiplexEntryAck ::= SEQUENCE {
  entryNumbers SET SIZE (1..15) OF MultiplexTableEntryNumber, ... }
RequestMultiplexEntryReject ::= SEQUENCE {
  entryNumbers SET SIZE (1..15) OF MultiplexTableEntryNumber,
  rejectionDescriptions SET SIZE (1..15) OF RequestMultiplexEntryRejectionDescriptions, ... }
RequestMultiplexEntryRejectionDescriptions ::= SEQUENCE {
  multiplexTableEntryNumber MultiplexTableEntryNumber,
  cause CHOICE { unspecifiedCause NULL, ... }, ... }
RequestMultiplexEntryRelease ::= SEQUENCE {
  entryNumbers SET SIZE (1..15) OF MultiplexTableEntryNumber, ... }

RequestMode ::= SEQUENCE { sequenceNumber SequenceNumber,
  requestedModes SEQUENCE SIZE (1..256) OF ModeDescription, ... }
RequestModeAck ::= SEQUENCE { sequenceNumber SequenceNumber,
  response CHOICE { willTransmitMostPreferredMode NULL, willTransmitLessPreferredMode NULL,
    ... }, ... }
RequestModeReject ::= SEQUENCE { sequenceNumber SequenceNumber,
  cause CHOICE { modeUnavailable NULL, multipointConstraint NULL, requestDenied NULL, ... },
  ... }
RequestModeRelease ::= SEQUENCE { ... }

ModeDescription ::= SET SIZE (1..256) OF ModeElement
ModeElementType ::= CHOICE { nonStandard NonStandardParameter, videoMode VideoMode,
  audioMode AudioMode, dataMode DataMode, encryptionMode EncryptionMode, ...,
  h235Mode H235Mode, multiplexedStreamMode MultiplexedStreamParameter,
  redundancyEncodingDTMode RedundancyEncodingDTMode,
  multiplePayloadStreamMode MultiplePayloadStreamMode, depFecMode DepFECMode,
  fecMode FECMode }
ModeElement ::= SEQUENCE { type ModeElementType,
  h223ModeParameters H223ModeParameters OPTIONAL, ...,
  v76ModeParameters V76ModeParameters OPTIONAL,
  h2250ModeParameters H2250ModeParameters OPTIONAL,
  genericModeParameters GenericCapability OPTIONAL,
  multiplexedStreamModeParameters MultiplexedStreamModeParameters OPTIONAL,
  logicalChannelNumber LogicalChannelNumber OPTIONAL }
H235Mode ::= SEQUENCE {
  encryptionAuthenticationAndIntegrity EncryptionAuthenticationAndIntegrity,
  mediaMode CHOICE { nonStandard NonStandardParameter, videoMode VideoMode,
    audioMode AudioMode, dataMode DataMode, ... }, ... }
MultiplexedStreamModeParameters ::= SEQUENCE { logicalChannelNumber LogicalChannelNumber, ... }
RedundancyEncodingDTMode ::= SEQUENCE { redundancyEncodingMethod RedundancyEncodingMethod,
  primary RedundancyEncodingDTModeElement,
  secondary SEQUENCE OF RedundancyEncodingDTModeElement, ... }
RedundancyEncodingDTModeElement ::= SEQUENCE {
  type CHOICE { nonStandard NonStandardParameter, videoMode VideoMode, audioMode AudioMode,
    dataMode DataMode, encryptionMode EncryptionMode, h235Mode H235Mode, ...,
    fecMode FECMode }, ... }
MultiplePayloadStreamMode ::= SEQUENCE {
  elements SEQUENCE OF MultiplePayloadStreamElementMode, ... }
MultiplePayloadStreamElementMode ::= SEQUENCE { type ModeElementType, ... }
DepFECMode ::= CHOICE {
  rfc2733Mode SEQUENCE {
    mode CHOICE { redundancyEncoding NULL,
      separateStream CHOICE {
        differentPort SEQUENCE { protectedSessionID INTEGER (1..255),
          protectedPayloadType INTEGER (0..127) OPTIONAL, ... },
        samePort SEQUENCE { protectedType ModeElementType, ... }, ... }, ... }, ... }, ... }
FECMode ::= SEQUENCE { protectedElement ModeElementType, fecScheme OBJECT IDENTIFIER OPTIONAL,
  rfc2733Format CHOICE { rfc2733rfc2198 MaxRedundancy, rfc2733sameport MaxRedundancy,
    rfc2733diffport MaxRedundancy } OPTIONAL, ... }
H223ModeParameters ::= SEQUENCE {
  adaptationLayerType CHOICE { nonStandard NonStandardParameter, al1Framed NULL,
    al1NotFramed NULL, al2WithoutSequenceNumbers NULL, al2WithSequenceNumbers NULL,
    al3 SEQUENCE { controlFieldOctets INTEGER (0..2), sendBufferSize INTEGER (0..16777215) },
    ..., al1M H223AL1MParameters, al2M H223AL2MParameters, al3M H223AL3MParameters },
  segmentableFlag BOOLEAN, ... }
V76ModeParameters ::= CHOICE { suspendResumewAddress NULL, suspendResumewoAddress NULL, ... }
H2250ModeParameters ::= SEQUENCE { redundancyEncodingMode RedundancyEncodingMode OPTIONAL, ... }
RedundancyEncodingMode ::= SEQUENCE { redundancyEncodingMethod RedundancyEncodingMethod,
  secondaryEncoding CHOICE { nonStandard NonStandardParameter, audioData AudioMode,
    ... } OPTIONAL, ... }

VideoMode ::= CHOICE { nonStandard NonStandardParameter, h261VideoMode H261VideoMode,
  h262VideoMode H262VideoMode, h263VideoMode H263VideoMode,
  is11172VideoMode IS11172VideoMode, ..., genericVideoMode GenericCapability }
H261VideoMode ::= SEQUENCE { resolution CHOICE { qcif NULL, cif NULL },
  bitRate INTEGER (1..19200), stillImageTransmission BOOLEAN, ... }
H262VideoMode ::= SEQUENCE {
  profileAndLevel CHOICE { profileAndLevel-SPatML NULL, profileAndLevel-MPatLL NULL,
    profileAndLevel-MPatML NULL, profileAndLevel-MPatH-14 NULL, profileAndLevel-MPatHL NULL,
    profileAndLevel-SNRatLL NULL, profileAndLevel-SNRatML NULL,
    profileAndLevel-SpatialatH-14 NULL, profileAndLevel-HPatML NULL,
    profileAndLevel-HPatH-14 NULL, profileAndLevel-HPatHL NULL, ... },
  videoBitRate INTEGER (0..1073741823) OPTIONAL, vbvBufferSize INTEGER (0..262143) OPTIONAL,
  samplesPerLine INTEGER (0..16383) OPTIONAL, linesPerFrame INTEGER (0..16383) OPTIONAL,
  framesPerSecond INTEGER (0..15) OPTIONAL,
  luminanceSampleRate INTEGER (0..4294967295) OPTIONAL, ... }
H263VideoMode ::= SEQUENCE {
  resolution CHOICE { sqcif NULL, qcif NULL, cif NULL, cif4 NULL, cif16 NULL, ..., custom NULL },
  bitRate INTEGER (1..19200), unrestrictedVector BOOLEAN, arithmeticCoding BOOLEAN,
  advancedPrediction BOOLEAN, pbFrames BOOLEAN, ..., errorCompensation BOOLEAN,
  enhancementLayerInfo EnhancementLayerInfo OPTIONAL, h263Options H263Options OPTIONAL }
IS11172VideoMode ::= SEQUENCE { constrainedBitstream BOOLEAN,
  videoBitRate INTEGER (0..1073741823) OPTIONAL, vbvBufferSize INTEGER (0..262143) OPTIONAL,
  samplesPerLine INTEGER (0..16383) OPTIONAL, linesPerFrame INTEGER (0..16383) OPTIONAL,
  pictureRate INTEGER (0..15) OPTIONAL, luminanceSampleRate INTEGER (0..4294967295) OPTIONAL,
  ... }

AudioMode ::= CHOICE { nonStandard NonStandardParameter, g711Alaw64k NULL, g711Alaw56k NULL,
  g711Ulaw64k NULL, g711Ulaw56k NULL, g722-64k NULL, g722-56k NULL, g722-48k NULL, g728 NULL,
  g729 NULL, g729AnnexA NULL,
  g7231 CHOICE { noSilenceSuppressionLowRate NULL, noSilenceSuppressionHighRate NULL,
    silenceSuppressionLowRate NULL, silenceSuppressionHighRate NULL },
  is11172AudioMode IS11172AudioMode, is13818AudioMode IS13818AudioMode, ...,
  g729wAnnexB INTEGER (1..256), g729AnnexAwAnnexB INTEGER (1..256),
  g7231AnnexCMode G7231AnnexCMode, gsmFullRate GSMAudioCapability,
  gsmHalfRate GSMAudioCapability, gsmEnhancedFullRate GSMAudioCapability,
  genericAudioMode GenericCapability, g729Extensions G729Extensions, vbd VBDMode }
IS11172AudioMode ::= SEQUENCE {
  audioLayer CHOICE { audioLayer1 NULL, audioLayer2 NULL, audioLayer3 NULL },
  audioSampling CHOICE { audioSampling32k NULL, audioSampling44k1 NULL, audioSampling48k NULL },
  multichannelType CHOICE { singleChannel NULL, twoChannelStereo NULL, twoChannelDual NULL },
  bitRate INTEGER (1..448), ... }
IS13818AudioMode ::= SEQUENCE {
  audioLayer CHOICE { audioLayer1 NULL, audioLayer2 NULL, audioLayer3 NULL },
  audioSampling CHOICE { audioSampling16k NULL, audioSampling22k05 NULL, audioSampling24k NULL,
    audioSampling32k NULL, audioSampling44k1 NULL, audioSampling48k NULL },
  multichannelType CHOICE { singleChannel NULL, twoChannelStereo NULL, twoChannelDual NULL,
    threeChannels2-1 NULL, threeChannels3-0 NULL, fourChannels2-0-2-0 NULL,
    fourChannels2-2 NULL, fourChannels3-1 NULL, fiveChannels3-0-2-0 NULL,
    fiveChannels3-2 NULL },
  lowFrequencyEnhancement BOOLEAN, multilingual BOOLEAN, bitRate INTEGER (1..1130), ... }
G7231AnnexCMode ::= SEQUENCE { maxAl-sduAudioFrames INTEGER (1..256),
  silenceSuppression BOOLEAN,
  g723AnnexCAudioMode SEQUENCE { highRateMode0 INTEGER (27..78), highRateMode1 INTEGER (27..78),
    lowRateMode0 INTEGER (23..66), lowRateMode1 INTEGER (23..66), sidMode0 INTEGER (6..17),
    sidMode1 INTEGER (6..17), ... }, ... }
VBDMode ::= SEQUENCE { type AudioMode, ... }

DataMode ::= SEQUENCE {
  application CHOICE { nonStandard NonStandardParameter, t120 DataProtocolCapability,
    dsm-cc DataProtocolCapability, userData DataProtocolCapability,
    t84 DataProtocolCapability, t434 DataProtocolCapability, h224 DataProtocolCapability,
    nlpid SEQUENCE { nlpidProtocol DataProtocolCapability, nlpidData OCTET STRING },
    dsvdControl NULL, h222DataPartitioning DataProtocolCapability, ...,
    t30fax DataProtocolCapability, t140 DataProtocolCapability,
    t38fax SEQUENCE { t38FaxProtocol DataProtocolCapability, t38FaxProfile T38FaxProfile },
    genericDataMode GenericCapability, dataChannel DataChannel },
  bitRate INTEGER (0..4294967295), ... }
EncryptionMode ::= CHOICE { nonStandard NonStandardParameter, h233Encryption NULL, ... }

RoundTripDelayRequest ::= SEQUENCE { sequenceNumber SequenceNumber, ... }
RoundTripDelayResponse ::= SEQUENCE { sequenceNumber SequenceNumber, ... }

MaintenanceLoopRequest ::= SEQUENCE {
  type CHOICE { systemLoop NULL, mediaLoop LogicalChannelNumber,
    logicalChannelLoop LogicalChannelNumber, ... }, ... }
MaintenanceLoopAck ::= SEQUENCE {
  type CHOICE { systemLoop NULL, mediaLoop LogicalChannelNumber,
    logicalChannelLoop LogicalChannelNumber, ... }, ... }
MaintenanceLoopReject ::= SEQUENCE {
  type CHOICE { systemLoop NULL, mediaLoop LogicalChannelNumber,
    logicalChannelLoop LogicalChannelNumber, ... },
  cause CHOICE { canNotPerformLoop NULL, ... }, ... }
MaintenanceLoopOffCommand ::= SEQUENCE { ... }

CommunicationModeCommand ::= SEQUENCE {
  communicationModeTable SET SIZE (1..256) OF CommunicationModeTableEntry, ... }
CommunicationModeRequest ::= SEQUENCE { ... }
CommunicationModeResponse ::= CHOICE {
  communicationModeTable SET SIZE (1..256) OF CommunicationModeTableEntry, ... }
CommunicationModeTableEntry ::= SEQUENCE {
  nonStandard SEQUENCE OF NonStandardParameter OPTIONAL, sessionID INTEGER (1..255),
  associatedSessionID INTEGER (1..255) OPTIONAL, terminalLabel TerminalLabel OPTIONAL,
  sessionDescription BMPString (SIZE (1..128)),
  dataType CHOICE { videoData VideoCapability, audioData AudioCapability,
    data DataApplicationCapability, ... },
  mediaChannel TransportAddress OPTIONAL, mediaGuaranteedDelivery BOOLEAN OPTIONAL,
  mediaControlChannel TransportAddress OPTIONAL,
  mediaControlGuaranteedDelivery BOOLEAN OPTIONAL, ...,
  redundancyEncoding RedundancyEncoding OPTIONAL, sessionDependency INTEGER (1..255) OPTIONAL,
  destination TerminalLabel OPTIONAL }

ConferenceRequest ::= CHOICE { terminalListRequest NULL, makeMeChair NULL,
  cancelMakeMeChair NULL, dropTerminal TerminalLabel, requestTerminalID TerminalLabel,
  enterH243Password NULL, enterH243TerminalID NULL, enterH243ConferenceID NULL, ...,
  enterExtensionAddress NULL, requestChairTokenOwner NULL,
  requestTerminalCertificate SEQUENCE { terminalLabel TerminalLabel OPTIONAL,
    certSelectionCriteria CertSelectionCriteria OPTIONAL,
    sRandom INTEGER (1..4294967295) OPTIONAL, ... },
  broadcastMyLogicalChannel LogicalChannelNumber, makeTerminalBroadcaster TerminalLabel,
  sendThisSource TerminalLabel, requestAllTerminalIDs NULL, remoteMCRequest RemoteMCRequest }
CertSelectionCriteria ::= SEQUENCE SIZE (1..16) OF Criteria
Criteria ::= SEQUENCE { field OBJECT IDENTIFIER, value OCTET STRING (SIZE (1..65535)), ... }
TerminalLabel ::= SEQUENCE { mcuNumber McuNumber, terminalNumber TerminalNumber, ... }
McuNumber ::= INTEGER (0..192)
TerminalNumber ::= INTEGER (0..192)

ConferenceResponse ::= CHOICE {
  mCTerminalIDResponse SEQUENCE { terminalLabel TerminalLabel, terminalID TerminalID, ... },
  terminalIDResponse SEQUENCE { terminalLabel TerminalLabel, terminalID TerminalID, ... },
  conferenceIDResponse SEQUENCE { terminalLabel TerminalLabel, conferenceID ConferenceID, ... },
  passwordResponse SEQUENCE { terminalLabel TerminalLabel, password Password, ... },
  terminalListResponse SET SIZE (1..256) OF TerminalLabel, videoCommandReject NULL,
  terminalDropReject NULL,
  makeMeChairResponse CHOICE { grantedChairToken NULL, deniedChairToken NULL, ... }, ...,
  extensionAddressResponse SEQUENCE { extensionAddress TerminalID, ... },
  chairTokenOwnerResponse SEQUENCE { terminalLabel TerminalLabel, terminalID TerminalID, ... },
  terminalCertificateResponse SEQUENCE { terminalLabel TerminalLabel OPTIONAL,
    certificateResponse OCTET STRING (SIZE (1..65535)) OPTIONAL, ... },
  broadcastMyLogicalChannelResponse CHOICE { grantedBroadcastMyLogicalChannel NULL,
    deniedBroadcastMyLogicalChannel NULL, ... },
  makeTerminalBroadcasterResponse CHOICE { grantedMakeTerminalBroadcaster NULL,
    deniedMakeTerminalBroadcaster NULL, ... },
  sendThisSourceResponse CHOICE { grantedSendThisSource NULL, deniedSendThisSource NULL, ... },
  requestAllTerminalIDsResponse RequestAllTerminalIDsResponse,
  remoteMCResponse RemoteMCResponse }
TerminalID ::= OCTET STRING (SIZE (1..128))
ConferenceID ::= OCTET STRING (SIZE (1..32))
Password ::= OCTET STRING (SIZE (1..32))
RequestAllTerminalIDsResponse ::= SEQUENCE {
  terminalInformation SEQUENCE OF TerminalInformation, ... }
TerminalInformation ::= SEQUENCE { terminalLabel TerminalLabel, terminalID TerminalID, ... }
RemoteMCRequest ::= CHOICE { masterActivate NULL, slaveActivate NULL, deActivate NULL, ... }
RemoteMCResponse ::= CHOICE { accept NULL,
  reject CHOICE { unspecified NULL, functionNotSupported NULL, ... }, ... }

MultilinkRequest ::= CHOICE { nonStandard NonStandardMessage,
  callInformation SEQUENCE { maxNumberOfAdditionalConnections INTEGER (1..65535), ... },
  addConnection SEQUENCE { sequenceNumber SequenceNumber,
    dialingInformation DialingInformation, ... },
  removeConnection SEQUENCE { connectionIdentifier ConnectionIdentifier, ... },
  maximumHeaderInterval SEQUENCE {
    requestType CHOICE { currentIntervalInformation NULL,
      requestedInterval INTEGER (0..65535), ... }, ... }, ... }
MultilinkResponse ::= CHOICE { nonStandard NonStandardMessage,
  callInformation SEQUENCE { dialingInformation DialingInformation,
    callAssociationNumber INTEGER (0..4294967295), ... },
  addConnection SEQUENCE { sequenceNumber SequenceNumber,
    responseCode CHOICE { accepted NULL,
      rejected CHOICE { connectionsNotAvailable NULL, userRejected NULL, ... }, ... }, ... },
  removeConnection SEQUENCE { connectionIdentifier ConnectionIdentifier, ... },
  maximumHeaderInterval SEQUENCE { currentInterval INTEGER (0..65535), ... }, ... }
MultilinkIndication ::= CHOICE { nonStandard NonStandardMessage,
  crcDesired SEQUENCE { ... },
  excessiveError SEQUENCE { connectionIdentifier ConnectionIdentifier, ... }, ... }
DialingInformation ::= CHOICE { nonStandard NonStandardMessage,
  differential SET SIZE (1..65535) OF DialingInformationNumber,
  infoNotAvailable INTEGER (1..65535), ... }
DialingInformationNumber ::= SEQUENCE { networkAddress NumericString (SIZE (0..40)),
  subAddress IA5String (SIZE (1..40)) OPTIONAL,
  networkType SET SIZE (1..255) OF DialingInformationNetworkType, ... }
DialingInformationNetworkType ::= CHOICE { nonStandard NonStandardMessage, n-isdn NULL,
  gstn NULL, ..., mobile NULL }
ConnectionIdentifier ::= SEQUENCE { channelTag INTEGER (0..4294967295),
  sequenceNumber INTEGER (0..4294967295), ... }

MaximumBitRate ::= INTEGER (0..4294967295)
LogicalChannelRateRequest ::= SEQUENCE { sequenceNumber SequenceNumber,
  logicalChannelNumber LogicalChannelNumber, maximumBitRate MaximumBitRate, ... }
LogicalChannelRateAcknowledge ::= SEQUENCE { sequenceNumber SequenceNumber,
  logicalChannelNumber LogicalChannelNumber, maximumBitRate MaximumBitRate, ... }
LogicalChannelRateReject ::= SEQUENCE { sequenceNumber SequenceNumber,
  logicalChannelNumber LogicalChannelNumber, rejectReason LogicalChannelRateRejectReason,
  currentMaximumBitRate MaximumBitRate OPTIONAL, ... }
LogicalChannelRateRejectReason ::= CHOICE { undefinedReason NULL, insufficientResources NULL,
  ... }
LogicalChannelRateRelease ::= SEQUENCE { ... }

SendTerminalCapabilitySet ::= CHOICE {
  specificRequest SEQUENCE { multiplexCapability BOOLEAN,
    capabilityTableEntryNumbers SET SIZE (1..65535) OF CapabilityTableEntryNumber OPTIONAL,
    capabilityDescriptorNumbers SET SIZE (1..256) OF CapabilityDescriptorNumber OPTIONAL,
    ... },
  genericRequest NULL, ... }
EncryptionCommand ::= CHOICE { encryptionSE OCTET STRING, encryptionIVRequest NULL,
  encryptionAlgorithmID SEQUENCE { h233AlgorithmIdentifier SequenceNumber,
    associatedAlgorithm NonStandardParameter }, ... }
FlowControlCommand ::= SEQUENCE {
  scope CHOICE { logicalChannelNumber LogicalChannelNumber, resourceID INTEGER (0..65535),
    wholeMultiplex NULL },
  restriction CHOICE { maximumBitRate INTEGER (0..16777215), noRestriction NULL }, ... }
EndSessionCommand ::= CHOICE { nonStandard NonStandardParameter, disconnect NULL,
  gstnOptions CHOICE { telephonyMode NULL, v8bis NULL, v34DSVD NULL, v34DuplexFAX NULL,
    v34H324 NULL, ... }, ...,
  isdnOptions CHOICE { telephonyMode NULL, v140 NULL, terminalOnHold NULL, ... },
  genericInformation SEQUENCE OF GenericInformation }
ConferenceCommand ::= CHOICE { broadcastMyLogicalChannel LogicalChannelNumber,
  cancelBroadcastMyLogicalChannel LogicalChannelNumber,
  makeTerminalBroadcaster TerminalLabel, cancelMakeTerminalBroadcaster NULL,
  sendThisSource TerminalLabel, cancelSendThisSource NULL, dropConference NULL, ...,
  substituteConferenceIDCommand SubstituteConferenceIDCommand }
SubstituteConferenceIDCommand ::= SEQUENCE { conferenceIdentifier OCTET STRING (SIZE (16)),
  ... }
EncryptionUpdateDirection ::= CHOICE { masterToSlave NULL, slaveToMaster NULL, ... }
MiscellaneousCommand ::= SEQUENCE { logicalChannelNumber LogicalChannelNumber,
  type CHOICE { equaliseDelay NULL, zeroDelay NULL, multipointModeCommand NULL,
    cancelMultipointModeCommand NULL, videoFreezePicture NULL, videoFastUpdatePicture NULL,
    videoFastUpdateGOB SEQUENCE { firstGOB INTEGER (0..17), numberOfGOBs INTEGER (1..18) },
    videoTemporalSpatialTradeOff INTEGER (0..31), videoSendSyncEveryGOB NULL,
    videoSendSyncEveryGOBCancel NULL, ...,
    videoFastUpdateMB SEQUENCE { firstGOB INTEGER (0..255) OPTIONAL,
      firstMB INTEGER (1..8192) OPTIONAL, numberOfMBs INTEGER (1..8192), ... },
    maxH223MUXPDUsize INTEGER (1..65535), encryptionUpdate EncryptionSync,
    encryptionUpdateRequest EncryptionUpdateRequest, switchReceiveMediaOff NULL,
    switchReceiveMediaOn NULL,
    progressiveRefinementStart SEQUENCE {
      repeatCount CHOICE { doOneProgression NULL, doContinuousProgressions NULL,
        doOneIndependentProgression NULL, doContinuousIndependentProgressions NULL, ... },
      ... },
    progressiveRefinementAbortOne NULL, progressiveRefinementAbortContinuous NULL,
    videoBadMBs SEQUENCE { firstMB INTEGER (1..9216), numberOfMBs INTEGER (1..9216),
      temporalReference INTEGER (0..1023), ... },
    lostPicture SEQUENCE OF PictureReference,
    lostPartialPicture SEQUENCE { pictureReference PictureReference,
      firstMB INTEGER (1..9216), numberOfMBs INTEGER (1..9216), ... },
    recoveryReferencePicture SEQUENCE OF PictureReference,
    encryptionUpdateCommand SEQUENCE { encryptionSync EncryptionSync,
      multiplePayloadStream MultiplePayloadStream OPTIONAL, ... },
    encryptionUpdateAck SEQUENCE { synchFlag INTEGER (0..255), ... } }, ...,
  direction EncryptionUpdateDirection OPTIONAL }
KeyProtectionMethod ::= SEQUENCE { secureChannel BOOLEAN, sharedSecret BOOLEAN,
  certProtectedKey BOOLEAN, ... }
EncryptionUpdateRequest ::= SEQUENCE { keyProtectionMethod KeyProtectionMethod OPTIONAL, ...,
  synchFlag INTEGER (0..255) OPTIONAL }
PictureReference ::= CHOICE { pictureNumber INTEGER (0..1023),
  longTermPictureIndex INTEGER (0..255), ... }
H223MultiplexReconfiguration ::= CHOICE {
  h223ModeChange CHOICE { toLevel0 NULL, toLevel1 NULL, toLevel2 NULL,
    toLevel2withOptionalHeader NULL, ... },
  h223AnnexADoubleFlag CHOICE { start NULL, stop NULL, ... }, ... }
NewATMVCCommand ::= SEQUENCE { resourceID INTEGER (0..65535), bitRate INTEGER (1..65535),
  bitRateLockedToPCRClock BOOLEAN, bitRateLockedToNetworkClock BOOLEAN,
  aal CHOICE {
    aal1 SEQUENCE {
      clockRecovery CHOICE { nullClockRecovery NULL, srtsClockRecovery NULL,
        adaptiveClockRecovery NULL, ... },
      errorCorrection CHOICE { nullErrorCorrection NULL, longInterleaver NULL,
        shortInterleaver NULL, errorCorrectionOnly NULL, ... },
      structuredDataTransfer BOOLEAN, partiallyFilledCells BOOLEAN, ... },
    aal5 SEQUENCE { forwardMaximumSDUSize INTEGER (0..65535),
      backwardMaximumSDUSize INTEGER (0..65535), ... }, ... },
  multiplex CHOICE { noMultiplex NULL, transportStream NULL, programStream NULL, ... },
  reverseParameters SEQUENCE { bitRate INTEGER (1..65535), bitRateLockedToPCRClock BOOLEAN,
    bitRateLockedToNetworkClock BOOLEAN,
    multiplex CHOICE { noMultiplex NULL, transportStream NULL, programStream NULL, ... },
    ... }, ... }
MobileMultilinkReconfigurationCommand ::= SEQUENCE { sampleSize INTEGER (1..255),
  samplesPerFrame INTEGER (1..255),
  status CHOICE { synchronized NULL, reconfiguration NULL, ... }, ... }

FunctionNotUnderstood ::= CHOICE { request RequestMessage, response ResponseMessage,
  command CommandMessage }
FunctionNotSupported ::= SEQUENCE {
  cause CHOICE { syntaxError NULL, semanticError NULL, unknownFunction NULL, ... },
  returnedFunction OCTET STRING OPTIONAL, ... }
ConferenceIndication ::= CHOICE { sbeNumber INTEGER (0..9),
  terminalNumberAssign TerminalLabel, terminalJoinedConference TerminalLabel,
  terminalLeftConference TerminalLabel, seenByAtLeastOneOther NULL,
  cancelSeenByAtLeastOneOther NULL, seenByAll NULL, cancelSeenByAll NULL,
  terminalYouAreSeeing TerminalLabel, requestForFloor NULL, ..., withdrawChairToken NULL,
  floorRequested TerminalLabel,
  terminalYouAreSeeingInSubPictureNumber TerminalYouAreSeeingInSubPictureNumber,
  videoIndicateCompose VideoIndicateCompose, masterMCU NULL, cancelMasterMCU NULL }
TerminalYouAreSeeingInSubPictureNumber ::= SEQUENCE { terminalNumber TerminalNumber,
  subPictureNumber INTEGER (0..255), ..., mcuNumber McuNumber }
VideoIndicateCompose ::= SEQUENCE { compositionNumber INTEGER (0..255), ... }
MiscellaneousIndication ::= SEQUENCE { logicalChannelNumber LogicalChannelNumber,
  type CHOICE { logicalChannelActive NULL, logicalChannelInactive NULL,
    multipointConference NULL, cancelMultipointConference NULL, multipointZeroComm NULL,
    cancelMultipointZeroComm NULL, multipointSecondaryStatus NULL,
    cancelMultipointSecondaryStatus NULL, videoIndicateReadyToActivate NULL,
    videoTemporalSpatialTradeOff INTEGER (0..31), ...,
    videoNotDecodedMBs SEQUENCE { firstMB INTEGER (1..8192), numberOfMBs INTEGER (1..8192),
      temporalReference INTEGER (0..255), ... },
    transportCapability TransportCapability }, ... }
JitterIndication ::= SEQUENCE {
  scope CHOICE { logicalChannelNumber LogicalChannelNumber, resourceID INTEGER (0..65535),
    wholeMultiplex NULL },
  estimatedReceivedJitterMantissa INTEGER (0..3), estimatedReceivedJitterExponent INTEGER (0..7),
  skippedFrameCount INTEGER (0..15) OPTIONAL,
  additionalDecoderBuffer INTEGER (0..262143) OPTIONAL, ... }
H223SkewIndication ::= SEQUENCE { logicalChannelNumber1 LogicalChannelNumber,
  logicalChannelNumber2 LogicalChannelNumber, skew INTEGER (0..4095), ... }
H2250MaximumSkewIndication ::= SEQUENCE { logicalChannelNumber1 LogicalChannelNumber,
  logicalChannelNumber2 LogicalChannelNumber, maximumSkew INTEGER (0..4095), ... }
MCLocationIndication ::= SEQUENCE { signalAddress TransportAddress, ... }
VendorIdentification ::= SEQUENCE { vendor NonStandardIdentifier,
  productNumber OCTET STRING (SIZE (1..256)) OPTIONAL,
  versionNumber OCTET STRING (SIZE (1..256)) OPTIONAL, ... }
NewATMVCIndication ::= SEQUENCE { resourceID INTEGER (0..65535), bitRate INTEGER (1..65535),
  bitRateLockedToPCRClock BOOLEAN, bitRateLockedToNetworkClock BOOLEAN,
  aal CHOICE {
    aal1 SEQUENCE {
      clockRecovery CHOICE { nullClockRecovery NULL, srtsClockRecovery NULL,
        adaptiveClockRecovery NULL, ... },
      errorCorrection CHOICE { nullErrorCorrection NULL, longInterleaver NULL,
        shortInterleaver NULL, errorCorrectionOnly NULL, ... },
      structuredDataTransfer BOOLEAN, partiallyFilledCells BOOLEAN, ... },
    aal5 SEQUENCE { forwardMaximumSDUSize INTEGER (0..65535),
      backwardMaximumSDUSize INTEGER (0..65535), ... }, ... },
  multiplex CHOICE { noMultiplex NULL, transportStream NULL, programStream NULL, ... }, ...,
  reverseParameters SEQUENCE { bitRate INTEGER (1..65535), bitRateLockedToPCRClock BOOLEAN,
    bitRateLockedToNetworkClock BOOLEAN,
    multiplex CHOICE { noMultiplex NULL, transportStream NULL, programStream NULL, ... },
    ... } }

IV8 ::= OCTET STRING (SIZE (8))
IV16 ::= OCTET STRING (SIZE (16))
Params ::= SEQUENCE { iv8 IV8 OPTIONAL, iv16 IV16 OPTIONAL, iv OCTET STRING OPTIONAL, ... }
UserInputIndication ::= CHOICE { nonStandard NonStandardParameter,
  alphanumeric GeneralString, ...,
  userInputSupportIndication CHOICE { nonStandard NonStandardParameter, basicString NULL,
    iA5String NULL, generalString NULL, ..., encryptedBasicString NULL,
    encryptedIA5String NULL, encryptedGeneralString NULL },
  signal SEQUENCE { signalType IA5String (SIZE (1) ^ FROM ("0123456789#*ABCD!")),
    duration INTEGER (1..65535) OPTIONAL,
    rtp SEQUENCE { timestamp INTEGER (0..4294967295) OPTIONAL,
      expirationTime INTEGER (0..4294967295) OPTIONAL,
      logicalChannelNumber LogicalChannelNumber, ... } OPTIONAL, ...,
    rtpPayloadIndication NULL OPTIONAL, paramS Params OPTIONAL,
    encryptedSignalType OCTET STRING (SIZE (1)) OPTIONAL,
    algorithmOID OBJECT IDENTIFIER OPTIONAL },
  signalUpdate SEQUENCE { duration INTEGER (1..65535),
    rtp SEQUENCE { logicalChannelNumber LogicalChannelNumber, ... } OPTIONAL, ... },
  extendedAlphanumeric SEQUENCE { alphanumeric GeneralString,
    rtpPayloadIndication NULL OPTIONAL, ...,
    encryptedAlphanumeric SEQUENCE { algorithmOID OBJECT IDENTIFIER, paramS Params OPTIONAL,
      encrypted OCTET STRING, ... } OPTIONAL },
  encryptedAlphanumeric SEQUENCE { algorithmOID OBJECT IDENTIFIER, paramS Params OPTIONAL,
    encrypted OCTET STRING, ... },
  genericInformation SEQUENCE OF GenericInformation }
FlowControlIndication ::= SEQUENCE {
  scope CHOICE { logicalChannelNumber LogicalChannelNumber, resourceID INTEGER (0..65535),
    wholeMultiplex NULL },
  restriction CHOICE { maximumBitRate INTEGER (0..16777215), noRestriction NULL }, ... }
MobileMultilinkReconfigurationIndication ::= SEQUENCE { sampleSize INTEGER (1..255),
  samplesPerFrame INTEGER (1..255), ... }
`;
