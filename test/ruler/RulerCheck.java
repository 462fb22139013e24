/*
 * RulerCheck: evaluates EventBridge event patterns against example events for the
 * jest test suite (see test/ruler/ruler.ts).
 *
 * It uses AWS's own open-source pattern engine, event-ruler
 * (software.amazon.event.ruler:event-ruler, https://github.com/aws/event-ruler),
 * the engine Amazon EventBridge uses to match events to rules. So a "true" here
 * means event-ruler matched the event, not a hand-written re-implementation.
 *
 * Run with the Java 17+ single-file source launcher (no compile step):
 *
 *   mvn -q -f test/ruler/pom.xml dependency:copy-dependencies -DoutputDirectory=target/lib
 *   java -cp 'test/ruler/target/lib/*' test/ruler/RulerCheck.java request.json
 *
 * Request (a file):
 *   {"patterns": {"<patternName>": <pattern object>, ...},
 *    "events":   {"<eventName>":   <event object>,   ...}}
 *
 * Output (stdout, one JSON object):
 *   {"<patternName>": {"<eventName>": true|false, ...}, ...}
 *
 * Every pattern is compiled before anything is evaluated: an invalid pattern
 * (or event, or request) makes the program exit non-zero with the error on
 * stderr and nothing on stdout. It never reports a silent "false".
 *
 * Matching: Ruler.matchesRule(eventJson, patternJson), the library's
 * non-deprecated single-rule API (it builds a Machine, adds the rule and calls
 * rulesForJSONEvent, which applies EventBridge's array-consistency semantics).
 */

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.Ruler;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class RulerCheck {

    private static final int EXIT_USAGE = 2;
    private static final int EXIT_BAD_REQUEST = 3;
    private static final int EXIT_BAD_PATTERN = 4;
    private static final int EXIT_BAD_EVENT = 5;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) {
        if (args.length != 1) {
            fail(EXIT_USAGE, "usage: java -cp 'test/ruler/target/lib/*' test/ruler/RulerCheck.java <request.json>", null);
        }

        JsonNode request;
        try {
            request = MAPPER.readTree(new File(args[0]));
        } catch (Exception e) {
            fail(EXIT_BAD_REQUEST, "cannot read request file " + args[0], e);
            return;
        }
        if (request == null || !request.isObject()) {
            fail(EXIT_BAD_REQUEST, "request must be a JSON object {\"patterns\": {...}, \"events\": {...}}", null);
        }
        JsonNode patterns = request.get("patterns");
        JsonNode events = request.get("events");
        if (patterns == null || !patterns.isObject()) {
            fail(EXIT_BAD_REQUEST, "request.patterns must be an object of named patterns", null);
        }
        if (events == null || !events.isObject()) {
            fail(EXIT_BAD_REQUEST, "request.events must be an object of named events", null);
        }

        // 1. Serialize and compile every pattern first, so an invalid pattern always fails the
        //    run, even when there are no events to evaluate it against.
        List<String> patternNames = new ArrayList<>();
        List<String> patternJsons = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : patterns.properties()) {
            String name = entry.getKey();
            JsonNode pattern = entry.getValue();
            if (!pattern.isObject()) {
                fail(EXIT_BAD_PATTERN, "invalid pattern \"" + name + "\": a pattern must be a JSON object, got " + pattern.getNodeType(), null);
            }
            String json = toJson(pattern, "pattern \"" + name + "\"");
            try {
                Machine machine = Machine.builder().build();
                machine.addRule(name, json);
            } catch (Exception e) {
                fail(EXIT_BAD_PATTERN, "invalid pattern \"" + name + "\": " + json, e);
            }
            patternNames.add(name);
            patternJsons.add(json);
        }

        List<String> eventNames = new ArrayList<>();
        List<String> eventJsons = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : events.properties()) {
            if (!entry.getValue().isObject()) {
                fail(EXIT_BAD_EVENT, "invalid event \"" + entry.getKey() + "\": an event must be a JSON object, got " + entry.getValue().getNodeType(), null);
            }
            eventNames.add(entry.getKey());
            eventJsons.add(toJson(entry.getValue(), "event \"" + entry.getKey() + "\""));
        }

        // 2. Evaluate the full matrix with event-ruler.
        ObjectNode result = MAPPER.createObjectNode();
        for (int p = 0; p < patternNames.size(); p++) {
            ObjectNode row = result.putObject(patternNames.get(p));
            for (int e = 0; e < eventNames.size(); e++) {
                boolean matched;
                try {
                    matched = Ruler.matchesRule(eventJsons.get(e), patternJsons.get(p));
                } catch (Exception ex) {
                    fail(EXIT_BAD_EVENT, "event-ruler failed on pattern \"" + patternNames.get(p)
                        + "\" x event \"" + eventNames.get(e) + "\"", ex);
                    return;
                }
                row.put(eventNames.get(e), matched);
            }
        }

        try {
            System.out.println(MAPPER.writeValueAsString(result));
            System.out.flush();
        } catch (Exception e) {
            fail(1, "cannot write result", e);
        }
    }

    private static String toJson(JsonNode node, String what) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (Exception e) {
            fail(EXIT_BAD_REQUEST, "cannot serialize " + what, e);
            return null;
        }
    }

    private static void fail(int code, String message, Throwable cause) {
        System.err.println("RulerCheck: " + message);
        if (cause != null) {
            System.err.println("RulerCheck: caused by " + cause.getClass().getName() + ": " + cause.getMessage());
        }
        System.exit(code);
    }
}
