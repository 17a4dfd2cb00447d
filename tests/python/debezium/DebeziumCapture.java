// Runs Debezium's own MySQL connector in its embedded engine and writes every change event it
// emits, as JsonConverter renders it, one JSON object per line:
//
//   {"topic": ..., "key": "<JsonConverter key>", "value": "<JsonConverter value>",
//    "headers": [[name, "<JsonConverter header value>"], ...]}
//
// Usage: java -cp "<dir of this class>:<Debezium libs>/*" DebeziumCapture ENGINE.properties OUT.jsonl
//
// ENGINE.properties holds the connector's and the engine's settings (offset and schema history
// files). The program runs until the file OUT.jsonl.stop exists, then closes the engine and exits
// 0; it exits 2 if the engine stops on its own (the error is on stderr). A test harness for
// tests/python/test_debezium_parity.py, not part of Strait.
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.debezium.engine.format.KeyValueHeaderChangeEventFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileInputStream;
import java.io.FileWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

public class DebeziumCapture {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            props.load(in);
        }
        Path stop = Path.of(args[1] + ".stop");
        ObjectMapper json = new ObjectMapper();
        AtomicBoolean stoppedOnItsOwn = new AtomicBoolean(false);
        try (PrintWriter out = new PrintWriter(new FileWriter(args[1]))) {
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine
                .create(KeyValueHeaderChangeEventFormat.of(Json.class, Json.class, Json.class))
                .using(props)
                .notifying(event -> {
                    ObjectNode line = json.createObjectNode();
                    line.put("topic", event.destination());
                    line.put("key", event.key());
                    line.put("value", event.value());
                    ArrayNode headers = line.putArray("headers");
                    for (var header : event.headers()) {
                        ArrayNode pair = headers.addArray();
                        pair.add(header.getKey());
                        pair.add(String.valueOf(header.getValue()));
                    }
                    synchronized (out) {
                        out.println(line.toString());
                        out.flush();
                    }
                })
                .using((success, message, error) -> {
                    if (!Files.exists(stop)) {
                        stoppedOnItsOwn.set(true);
                        System.err.println("engine stopped: " + message);
                        if (error != null) {
                            error.printStackTrace();
                        }
                    }
                })
                .build();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            executor.execute(engine);
            while (!Files.exists(stop) && !stoppedOnItsOwn.get()) {
                Thread.sleep(100);
            }
            if (!stoppedOnItsOwn.get()) {
                engine.close();
            }
            executor.shutdown();
            executor.awaitTermination(60, TimeUnit.SECONDS);
        }
        System.exit(stoppedOnItsOwn.get() ? 2 : 0);
    }
}
