package org.ocspcluster.responder.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class GetRequestPathTest {
  // A DER SEQUENCE whose base64 holds '+', '/' and '=' (the characters clients may or may not
  // escape).
  static final byte[] DER = {
    0x30, 0x06, (byte) 0xfb, (byte) 0xef, (byte) 0xff, (byte) 0xfe, 0x3f, 0x00
  };
  static final String B64 = Base64.getEncoder().encodeToString(DER);

  @Test
  void rawBase64AfterTheRootIsDecoded() {
    assertArrayEquals(DER, GetRequestPath.decode("/" + B64));
  }

  @Test
  void percentEncodedBase64IsDecoded() {
    String escaped = B64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D");
    assertArrayEquals(DER, GetRequestPath.decode("/" + escaped));
  }

  @Test
  void basePathBeforeTheRequestIsSkipped() {
    assertArrayEquals(DER, GetRequestPath.decode("/ocsp/ca-1/" + B64));
  }

  @Test
  void notBase64IsNull() {
    assertNull(GetRequestPath.decode("/favicon.ico"));
    assertNull(GetRequestPath.decode("/"));
  }
}
