// Creates or updates SCRAM credentials through the Admin API of the kafka-clients jar already on
// the broker's classpath (Kafka 4 moved kafka-configs into kafka-tools, which the stack does not
// download). Run with the JDK's source launcher:
//   java -cp '<libs>/*' ScramUsers.java <bootstrap> <user> <password-file>
// The password is read from a file so it never appears on a command line.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUsers {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String user = args[1];
    String password = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).trim();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      // One request per mechanism: the broker refuses two changes to one user in a request.
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, 8192), password))).all().get();
      }
    }
  }
}
