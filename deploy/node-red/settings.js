// Node-RED settings for the colmeia example flow (flows.json beside this file).
// Run: node-red --settings deploy/node-red/settings.js --userDir <a writable folder holding flows.json>
// The flow takes the broker from the environment; the defaults are the cluster's DNS name and MQTT port, so a
// Node-RED whose resolver is the colmeia DNS server (port 53) reaches a healthy ingress node like any device.
process.env.MQTT_HOST = process.env.MQTT_HOST || "mqtt.colmeia.internal";
process.env.MQTT_PORT = process.env.MQTT_PORT || "1883";
process.env.MQTT_TOPIC = process.env.MQTT_TOPIC || "#";
process.env.MQTT_CLIENT_ID = process.env.MQTT_CLIENT_ID || "node-red-colmeia";
// The broker config node's credentials (flows_cred.json, plain because credentialSecret is false) are
// ${MQTT_USERNAME} and ${MQTT_PASSWORD}, which Node-RED substitutes from the environment. The password may
// come from a file (a Docker or Kubernetes secret): MQTT_PASSWORD_FILE. Without flows_cred.json the flow
// connects anonymously (a local cluster on loopback admits that).
if (process.env.MQTT_PASSWORD_FILE) {
    try {
        process.env.MQTT_PASSWORD = require("fs").readFileSync(process.env.MQTT_PASSWORD_FILE, "utf8").split(/\r?\n/)[0];
    } catch (e) {
        throw new Error("MQTT_PASSWORD_FILE: cannot read " + process.env.MQTT_PASSWORD_FILE + ": " + e.message);
    }
}
if (process.env.MQTT_USERNAME && !process.env.MQTT_PASSWORD) {
    throw new Error("MQTT_PASSWORD (or MQTT_PASSWORD_FILE): empty, but MQTT_USERNAME is set; the broker would refuse the flow");
}
if (!process.env.MQTT_USERNAME && process.env.MQTT_PASSWORD) {
    throw new Error("MQTT_USERNAME: empty, but a password is set; the broker would refuse the flow");
}

module.exports = {
    // loopback unless told otherwise: the editor has no login (see adminAuth in Node-RED's docs before exposing it)
    uiHost: process.env.NODE_RED_HOST || "127.0.0.1",
    uiPort: Number(process.env.NODE_RED_PORT || 1880),
    flowFile: "flows.json",
    flowFilePretty: true,
    // the flow holds no credentials: nothing to encrypt
    credentialSecret: false,
    httpAdminRoot: "/",
    httpNodeRoot: "/",
    // never call home: no update checks, no telemetry, no palette installs from the running editor
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpdate: false, allowUpload: false } },
    functionExternalModules: false,
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: { console: { level: process.env.NODE_RED_LOG_LEVEL || "info", metrics: false, audit: false } }
};
