package org.ocspcluster.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DemoPkiTest {

  @ParameterizedTest
  @EnumSource(DemoPki.KeyType.class)
  void everyCertificateNamesItsKeyAsRfc5280Recommends(DemoPki.KeyType type) throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, type);
    for (X509CertificateHolder c : List.of(pki.ca(), pki.signer(), pki.good(), pki.revoked())) {
      SubjectKeyIdentifier ski = SubjectKeyIdentifier.fromExtensions(c.getExtensions());
      assertNotNull(ski, c.getSubject() + " has a subjectKeyIdentifier");
      SubjectKeyIdentifier expected =
          new JcaX509ExtensionUtils()
              .createSubjectKeyIdentifier(
                  new JcaX509CertificateConverter().getCertificate(c).getPublicKey());
      assertEquals(expected, ski, "the SKI is the hash of " + c.getSubject() + "'s key");
    }
  }

  @ParameterizedTest
  @EnumSource(DemoPki.KeyType.class)
  void rsaServerLeavesMayEncipherKeysAsTlsClientsLikeNssRequire(DemoPki.KeyType type) {
    DemoPki pki = DemoPki.create("localhost", 8080, type);
    for (X509CertificateHolder leaf : List.of(pki.good(), pki.revoked())) {
      KeyUsage usage = KeyUsage.fromExtensions(leaf.getExtensions());
      assertTrue(usage.hasUsages(KeyUsage.digitalSignature));
      assertEquals(
          type == DemoPki.KeyType.RSA,
          usage.hasUsages(KeyUsage.keyEncipherment),
          "keyEncipherment for RSA leaves only");
      assertTrue(leaf.getExtension(Extension.keyUsage).isCritical());
    }
  }
}
