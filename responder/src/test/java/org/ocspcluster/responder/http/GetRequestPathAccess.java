package org.ocspcluster.responder.http;

/** Lets tests in other packages reach the package-private GET path decoder. */
public final class GetRequestPathAccess {
  private GetRequestPathAccess() {}

  public static byte[] decode(String uri) {
    return GetRequestPath.decode(uri);
  }
}
