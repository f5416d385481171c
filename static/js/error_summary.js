// The error summary (templates/includes/error_summary.html): after a failed submit the
// first summary on the page takes focus, so a screen reader reads it and Tab continues
// into its links. A link moves focus to its field and scrolls the field's label (or the
// group's legend) into view with it, which a plain jump to the input would cut off.
// Without JavaScript the summary's autofocus and ordinary in-page links do the same.
const summary = document.querySelector("[data-error-summary]");

function labelOf(field) {
  const fieldset = field.closest("fieldset");
  if ((field.type === "radio" || field.type === "checkbox") && fieldset) {
    const legend = fieldset.querySelector("legend");
    if (legend) {
      return legend;
    }
  }
  return (field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`)) || field;
}

if (summary) {
  // Autofocus usually got there first; never take focus back from someone already moving
  // on (this module may run after the first key presses on a slow machine).
  if (!document.activeElement || document.activeElement === document.body) {
    summary.focus();
  }
  for (const link of document.querySelectorAll("[data-error-summary] a[href^='#']")) {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!field) {
        return;
      }
      event.preventDefault();
      labelOf(field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }
}
