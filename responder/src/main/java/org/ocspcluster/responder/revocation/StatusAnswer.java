package org.ocspcluster.responder.revocation;

import java.time.Instant;

/**
 * A status and the window it holds for: {@code thisUpdate} is when the data was produced and {@code
 * nextUpdate} when newer data is promised, both taken from the revocation source.
 */
public record StatusAnswer(CertStatus status, Instant thisUpdate, Instant nextUpdate) {}
