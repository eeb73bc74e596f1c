package dev.flotilla.vm.aws.internal;

import dev.flotilla.vm.jclouds.AnswerCheck;
import java.io.ByteArrayInputStream;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * What a successful EC2 answer is: a whole XML document, without a DOCTYPE, whose root element is the
 * action's {@code ...Response}. Anything else (an HTML page from a proxy, JSON, a body cut short) is an
 * error, never "no instances".
 */
public final class Ec2Answers implements AnswerCheck {
  private static final SAXParserFactory FACTORY = factory();

  @Override
  public Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body) {
    if (body.length == 0) {
      return Optional.of("EC2 answers every action with an XML document, and this answer is empty");
    }
    String[] root = {null};
    try {
      SAXParser parser = FACTORY.newSAXParser();
      parser.parse(new ByteArrayInputStream(body), new DefaultHandler() {
        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
          if (root[0] == null) {
            root[0] = localName.isEmpty() ? qName : localName;
          }
        }
      });
    } catch (SAXException e) {
      return Optional.of("it is not a whole XML document (" + firstLine(e.getMessage()) + ")");
    } catch (java.io.IOException | javax.xml.parsers.ParserConfigurationException e) {
      return Optional.of("it cannot be read: " + e.getMessage());
    }
    if (root[0] == null || !root[0].endsWith("Response")) {
      return Optional.of("its root element is <" + root[0] + ">, where EC2 answers with <ActionResponse>");
    }
    return Optional.empty();
  }

  private static String firstLine(String s) {
    return s == null ? "malformed" : s.lines().findFirst().orElse("malformed");
  }

  private static SAXParserFactory factory() {
    try {
      SAXParserFactory f = SAXParserFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      return f;
    } catch (javax.xml.parsers.ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("the JDK's SAX parser lacks a standard feature", e);
    }
  }
}
