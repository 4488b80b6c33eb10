// Stand-in for an npm script whose part is not built yet: says so plainly and fails.
const [what] = process.argv.slice(2);
console.error(`npm run ${what}: not built yet (see README, "Status").`);
process.exit(1);
