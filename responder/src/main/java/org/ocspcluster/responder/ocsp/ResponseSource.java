package org.ocspcluster.responder.ocsp;

import java.util.concurrent.CompletableFuture;

/**
 * Answers one parsed OCSP request. The one contract of the response path: the features (which
 * issuer is served, pre-produced responses, online signing, what to say for an issuer not served)
 * are sources that wrap another, so each can be read, replaced and tested alone.
 */
@FunctionalInterface
interface ResponseSource {
  /** The answer to {@code request}; never fails: every failure is an OCSP answer. */
  CompletableFuture<Answer> answer(OcspRequest request);
}
