// Show only the fieldsets that belong to the chosen caller role. Without JavaScript
// every fieldset stays visible and the server still validates per role.
const form = document.querySelector("form[data-role-fieldsets]");

function chosenRole() {
  const checked = form.querySelector('input[name="contact-role"]:checked');
  return checked ? checked.value : "";
}

function showFieldsetsFor(role) {
  for (const fieldset of form.querySelectorAll(".role-fieldset")) {
    const roles = fieldset.dataset.roles.split(" ");
    const visible = role !== "" && roles.includes(role);
    fieldset.hidden = !visible;
    // A hidden field is not submitted by accident, and is skipped by Tab.
    for (const input of fieldset.querySelectorAll("input, select, textarea")) {
      input.disabled = !visible;
    }
  }
}

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "contact-role") {
      showFieldsetsFor(chosenRole());
    }
  });
  showFieldsetsFor(chosenRole());
}
