// Progressive enhancement only: every page works without this file.
// Template editor: the preview follows the draft as it is typed (the "Preview" button does the same
// without JavaScript). The draft is posted like the button would, and the preview section of the
// page that comes back replaces the one shown.
(function () {
  const form = document.querySelector("form[data-live-preview]");
  if (!form) return;
  let timer = null;
  let sequence = 0;
  const refresh = async () => {
    const mine = ++sequence;
    const body = new URLSearchParams(new FormData(form));
    body.set("action", "preview");
    // getAttribute: the buttons named "action" shadow the form's action property.
    const response = await fetch(form.getAttribute("action"), { method: "POST", body, credentials: "same-origin" });
    if (mine !== sequence) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const next = page.querySelector("#live-preview");
    const current = document.querySelector("#live-preview");
    if (next && current) current.replaceWith(next);
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), 600);
  });
})();
