// The widget's floor: the demo form's fields (demo/fields.json) as plain HTML, no JavaScript, in
// the same page chrome as the server's hosted page. Nothing can be interactive sooner than this.

export function renderPlainPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Complete your profile</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; background: #f6f7f9; color: #1b1f24; }
main { max-width: 32rem; margin: 0 auto; padding: 2rem 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
form { display: grid; gap: 1rem; }
label { display: grid; gap: .25rem; }
</style>
</head>
<body>
<main>
<h1>Complete your profile</h1>
<form method="post" action="/submit">
<label>Company <input name="company_name" type="text" required maxlength="100" autocomplete="organization"></label>
<label>Job title <input name="job_title" type="text" required maxlength="100" autocomplete="organization-title"></label>
<label>Team size <select name="team_size"><option value=""></option><option value="1-10">1 to 10 people</option><option value="11-50">11 to 50 people</option><option value="51+">More than 50 people</option></select></label>
<label><input name="newsletter" type="checkbox"> Send me the monthly product newsletter</label>
<button type="submit">Continue</button>
</form>
</main>
</body>
</html>
`;
}
