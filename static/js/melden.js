// The online report: show the "call 112 now" message the moment a professional answers
// that someone is in acute danger (the server shows it again on every following step),
// and show the reason fields only when they are needed. Without JavaScript everything
// stays visible and the server checks it all.
const acuteMessage = document.querySelector("[data-acute-message]");

const acuteInputs = document.querySelectorAll('input[name="acute"]');

function syncAcute() {
  const checked = document.querySelector('input[name="acute"]:checked');
  if (acuteMessage) {
    acuteMessage.hidden = !(checked && checked.value === "yes");
  }
}

// Only on the step that asks the question; later steps show what the server decided.
if (acuteInputs.length) {
  for (const input of acuteInputs) {
    input.addEventListener("change", syncAcute);
  }
  syncAcute();
}

for (const block of document.querySelectorAll("[data-show-when]")) {
  const [name, value] = block.dataset.showWhen.split("=");
  const sync = () => {
    const checked = document.querySelector(`input[name="${name}"]:checked`);
    block.hidden = !(checked && checked.value === value);
  };
  for (const input of document.querySelectorAll(`input[name="${name}"]`)) {
    input.addEventListener("change", sync);
  }
  sync();
}

// "Persoon toevoegen": one more person block from the page's template, numbered, with the
// formset's count raised; the focus goes to its first field. Without JavaScript the same
// button posts the step and the server adds the block.
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
