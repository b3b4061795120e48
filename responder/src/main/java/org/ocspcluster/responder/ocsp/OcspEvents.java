package org.ocspcluster.responder.ocsp;

/** What the OCSP path reports for metrics; every method does nothing unless overridden. */
public interface OcspEvents {
  OcspEvents NONE = new OcspEvents() {};

  /** A response was served from the pre-produced cache. */
  default void cacheHit(String configuration) {}

  /** A cacheable request found no usable pre-produced response and waited for a signature. */
  default void cacheMiss(String configuration) {}

  /** A response was signed (online, pre-produced or re-signed in the background). */
  default void signed(String configuration) {}
}
