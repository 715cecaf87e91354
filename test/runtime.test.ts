import * as fs from "fs";
import * as path from "path";

it("runs on a Node version @pulumi/pulumi supports", () => {
  const pulumiPkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"));
  const required = Number(/>=\s*(\d+)/.exec(pulumiPkg.engines.node)![1]);
  expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(required);
});
