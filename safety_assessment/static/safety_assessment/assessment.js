// While the operator answers, show the acute protocol as soon as the answers reach an
// acute level, before anything is saved. The rules come from the instrument file (as JSON
// in the page); the server computes the outcome again and is what counts.
const form = document.querySelector("form[data-assessment-form]");
const rulesElement = document.getElementById("acute-rules");
const preview = document.getElementById("acute-preview");

function answersOf(formElement) {
  const answers = {};
  for (const input of formElement.querySelectorAll("input")) {
    if (input.type === "radio" && input.checked) {
      answers[input.name] = input.value === "yes";
    } else if (input.type === "number" && input.value !== "") {
      answers[input.name] = Number.parseInt(input.value, 10);
    }
  }
  return answers;
}

function holds(condition, answers, weights) {
  switch (condition.kind) {
    case "yes":
      return answers[condition.question] === true;
    case "at_least":
      return Number.isInteger(answers[condition.question])
        && answers[condition.question] >= condition.value;
    case "score_at_least":
      return condition.questions
        .filter((id) => answers[id] === true)
        .reduce((sum, id) => sum + (weights[id] || 0), 0) >= condition.value;
    case "all":
      return condition.children.every((child) => holds(child, answers, weights));
    case "any":
      return condition.children.some((child) => holds(child, answers, weights));
    default:
      return false;
  }
}

if (form && rulesElement && preview) {
  const { conditions, weights } = JSON.parse(rulesElement.textContent);
  const update = () => {
    const answers = answersOf(form);
    preview.hidden = !conditions.some((condition) => holds(condition, answers, weights));
  };
  form.addEventListener("change", update);
  update();
}
