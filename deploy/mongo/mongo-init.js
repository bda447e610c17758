// One-shot replica-set initiation for the Swarm stack (run with: mongosh --nodb --file mongo-init.js).
// Waits until the three members answer, then runs rs.initiate once. Safe to run again: when the set
// already exists it only reports its status. Exits non-zero on failure so Swarm retries it.
const members = ["mongo1:27017", "mongo2:27017", "mongo3:27017"];
const setName = "rs0";
const deadline = Date.now() + 10 * 60 * 1000;

function connectTo(host) {
  while (true) {
    try {
      const conn = new Mongo(host);
      conn.getDB("admin").runCommand({ ping: 1 });
      return conn;
    } catch (e) {
      if (Date.now() > deadline) {
        throw new Error("member " + host + " did not answer within 10 minutes: " + e);
      }
      print("waiting for " + host + ": " + e.message);
      sleep(2000);
    }
  }
}

const first = connectTo(members[0]).getDB("admin");
members.slice(1).forEach(connectTo);

const hello = first.runCommand({ hello: 1 });
if (hello.setName === setName) {
  print("replica set " + setName + " already initiated; primary: " + hello.primary);
} else {
  const result = first.runCommand({
    replSetInitiate: {
      _id: setName,
      members: members.map((host, i) => ({ _id: i, host: host, priority: i === 0 ? 2 : 1 })),
    },
  });
  if (result.ok !== 1 && result.codeName !== "AlreadyInitialized") {
    throw new Error("replSetInitiate failed: " + tojson(result));
  }
  print("replSetInitiate: " + tojson(result));
}

// Wait for a primary so that the brokers' first writes (w:majority) find one.
while (true) {
  const status = first.runCommand({ replSetGetStatus: 1 });
  const primary = (status.members || []).find((m) => m.stateStr === "PRIMARY");
  if (status.ok === 1 && primary) {
    print("replica set " + setName + " has primary " + primary.name);
    break;
  }
  if (Date.now() > deadline) {
    throw new Error("no primary elected within 10 minutes: " + tojson(status));
  }
  sleep(2000);
}
