package org.ocspcluster.responder.http;

import java.io.ByteArrayOutputStream;
import java.util.Base64;

/**
 * Finds the base64 OCSP request in a GET path. The base path is unknown (the AIA URI may have one)
 * and base64 itself may contain '/', so every suffix that starts after a '/' is tried, longest
 * first, and the first that decodes to a DER SEQUENCE wins. Percent-escapes are decoded but a raw
 * '+' stays '+', as clients send it unescaped.
 */
public final class GetRequestPath {
  private GetRequestPath() {}

  /** The DER bytes, or null when no suffix of the path is a base64 DER SEQUENCE. */
  public static byte[] decode(String uri) {
    int query = uri.indexOf('?');
    String path = query >= 0 ? uri.substring(0, query) : uri;
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String candidate = path.substring(slash + 1);
      if (candidate.isEmpty()) {
        continue;
      }
      byte[] der = base64(percentDecode(candidate));
      if (der != null && der.length > 1 && der[0] == 0x30) {
        return der;
      }
    }
    return null;
  }

  private static String percentDecode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' && i + 2 < text.length()) {
        int hi = Character.digit(text.charAt(i + 1), 16);
        int lo = Character.digit(text.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi << 4 | lo);
          i += 2;
          continue;
        }
      }
      out.write(c);
    }
    return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static byte[] base64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
