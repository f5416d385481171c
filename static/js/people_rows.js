// "Persoon toevoegen" on the intake, a contact and the public form: one more person block
// from the page's template, numbered, with the formset's count raised; the focus goes to
// its first field. Without JavaScript the intake's and the public form's buttons post the
// page and the server adds the block.
const people = document.querySelector("[data-people]");
if (people) {
  const list = people.querySelector("[data-people-list]");
  const template = people.querySelector("template[data-person-template]");
  const total = people.querySelector('input[name$="-TOTAL_FORMS"]');
  const button = people.querySelector("[data-add-person]");
  const max = Number(people.dataset.maxPeople);
  const focusFirstField = (block) => {
    const field = block && block.querySelector("input, select, textarea");
    if (field) field.focus();
  };
  if (button && template && total) {
    button.addEventListener("click", (click) => {
      click.preventDefault();
      const index = Number(total.value);
      if (index >= max) return;
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      button.hidden = index + 1 >= max;
      focusFirstField(list.lastElementChild);
    });
  }
  // After a round trip without script: the new block has the focus.
  focusFirstField(list && list.querySelector("[data-new-person]"));
}
