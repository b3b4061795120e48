package org.ocspcluster.responder.ocsp;

/**
 * An encoded OCSPResponse and how it ended. {@code cacheable} is false when the request carried a
 * nonce (the response is unique to it).
 */
public record Answer(byte[] encoded, Outcome outcome, boolean cacheable) {}
