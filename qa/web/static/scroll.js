() => {
  const within = (box, el, margin) => {
    if (!box || !el) return;
    const top = box.scrollTop + el.getBoundingClientRect().top - box.getBoundingClientRect().top - margin;
    box.scrollTo({top: top, behavior: 'smooth'});
  };
  setTimeout(() => {
    const block = document.querySelector('#qa-chat');
    // On a phone an example is clicked far below the chat: bring the chat back into view.
    if (block && block.getBoundingClientRect().top < 0) block.scrollIntoView({behavior: 'smooth'});
    const chat = block && block.querySelector('.panel-wrap, .bubble-wrap');  // the scrolling box: panel layout, bubbles
    const asked = chat ? chat.querySelectorAll('.user-row') : [];
    within(chat, asked[asked.length - 1], 8);
    const panel = document.querySelector('#qa-article .qa-scroll');
    const mark = panel && panel.querySelector('mark[data-cite="1"]');
    const para = mark && mark.closest('.qa-p');
    // Show the paragraph's start (and its number) unless that would push the sentence out of sight.
    const near = para && mark.getBoundingClientRect().top - para.getBoundingClientRect().top < panel.clientHeight / 2;
    within(panel, near ? para : mark, 12);
  }, 60);
}
