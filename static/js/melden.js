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

