// Connects to omnara's /mcp/ with the official TypeScript SDK, as Claude
// Code, Cursor and other Node-based clients do, and reports each step as a
// JSON line on stdout. Usage: node client.mjs <mcp url> <api key>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, key] = process.argv.slice(2);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}`, "X-Client-Type": "ts-sdk" } },
});
const client = new Client({ name: "omnara-ts-check", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
say({ tools: tools.map((t) => t.name).sort() });

const step = await client.callTool({ name: "log_step", arguments: { step_description: "Hello from TypeScript" } });
const instance = step.structuredContent.agent_instance_id;
say({ step: step.structuredContent, text: JSON.parse(step.content[0].text) });

let progress = 0;
const asked = client.callTool(
  { name: "ask_question", arguments: { agent_instance_id: instance, question_text: "Proceed?", options: ["Yes", "No"] } },
  undefined,
  { onprogress: () => { progress++; }, resetTimeoutOnProgress: true, timeout: 60000 },
);
say({ asking: instance });
const answer = await asked;
say({ answer: answer.structuredContent, progress, isError: answer.isError ?? false });

const bad = await client.callTool({ name: "log_step", arguments: { agent_instance_id: "nope", step_description: "x" } });
say({ error: bad.content[0].text, isError: bad.isError });

await client.close();
