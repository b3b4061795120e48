package org.ocspcluster.balancer;

/** A balancer that cannot start, with the reason and the fix. */
public final class BalancerException extends Exception {
  private static final long serialVersionUID = 1L;

  public BalancerException(String message) {
    super(message);
  }
}
