package org.ocspcluster.responder.http;

/** If-None-Match against an entity tag (RFC 9110 13.1.2), for members and the balancer's cache. */
public final class EntityTags {
  private EntityTags() {}

  /**
   * True when {@code ifNoneMatch} names {@code etag} or is {@code *}, by weak comparison (RFC 9110
   * 8.8.3.2, which If-None-Match uses): a {@code W/} on either side does not matter.
   */
  public static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || etag == null) {
      return false;
    }
    String opaque = opaque(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = opaque(candidate.trim());
      if (c.equals("*") || c.equals(opaque)) {
        return true;
      }
    }
    return false;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
