package org.ocspcluster.responder.http;

/** If-None-Match against an entity tag (RFC 9110 13.1.2), for members and the balancer's cache. */
public final class EntityTags {
  private EntityTags() {}

  /** True when {@code ifNoneMatch} names {@code etag} (weakly) or is {@code *}. */
  public static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || etag == null) {
      return false;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals("*") || c.equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
