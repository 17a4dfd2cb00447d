// Renders schema history documents the way Debezium's KafkaSchemaHistory writes them to its
// topic (`HistoryRecord.toString()`).
//
// Usage: java -cp "<dir of this class>:<Debezium libs>/*" HistoryRender IN.json OUT.json
//
// IN.json is a JSON array of documents as text; OUT.json receives a JSON array with each one
// read by Debezium's DocumentReader and written back by HistoryRecord.toString(). A document
// that comes back different was not written the way Debezium writes it. A test harness for
// tests/python/test_debezium_parity.py, not part of Strait.
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.document.DocumentReader;
import io.debezium.relational.history.HistoryRecord;
import java.io.File;
import java.util.ArrayList;
import java.util.List;

public class HistoryRender {
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String[] documents = json.readValue(new File(args[0]), String[].class);
        List<String> rendered = new ArrayList<>();
        for (String text : documents) {
            rendered.add(new HistoryRecord(DocumentReader.defaultReader().read(text)).toString());
        }
        json.writeValue(new File(args[1]), rendered);
    }
}
